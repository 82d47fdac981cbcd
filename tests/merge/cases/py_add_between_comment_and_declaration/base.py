import os

# Configuration:
release_notes = "release-notes.md"

title = "Contents"
