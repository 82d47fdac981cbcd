import os

# Configuration:

min_entries = 4

exclude_default = [1, 3, 4]
exclude_release = [1, 3]  # level 1 headers
release_notes = "release-notes.md"

title = "Contents"
