import os

# Configuration:
exclude_release = [1, 3]  # level 1 headers
release_notes = "release-notes.md"

title = "Contents"
