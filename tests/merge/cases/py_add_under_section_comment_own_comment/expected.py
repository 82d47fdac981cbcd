import math

# Both sizes must match functions.h.

# Size of the tables.
table_size = 4096
# Scale factor for the index.
scale = 256.0

print("// generated")
