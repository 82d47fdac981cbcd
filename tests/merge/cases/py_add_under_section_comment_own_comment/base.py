import math

# Both sizes must match functions.h.

print("// generated")
