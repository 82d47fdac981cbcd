import os

DEFAULT_DIR = "/tmp"


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return os.path.abspath(path)


# Deprecated: kept for the 1.x API.
# Use ensure_dir instead.
def make_dir(path):
    """Create path (old name)."""
    return ensure_dir(path)


def list_dir(path=DEFAULT_DIR):
    return sorted(os.listdir(path))
