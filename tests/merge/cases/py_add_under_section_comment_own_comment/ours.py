import math

# Both sizes must match functions.h.

# Size of the tables.
table_size = 4096

print("// generated")
