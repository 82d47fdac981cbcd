import os

DEFAULT_DIR = "/tmp"


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path


def list_dir(path=DEFAULT_DIR):
    return sorted(os.listdir(path))
