import os

# Configuration:

min_entries = 4

exclude_default = [1, 3, 4]
release_notes = "release-notes.md"

title = "Contents"
