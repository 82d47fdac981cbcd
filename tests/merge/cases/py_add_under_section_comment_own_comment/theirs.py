import math

# Both sizes must match functions.h.
# Scale factor for the index.
scale = 256.0

print("// generated")
