import os


def c():
    return os.pathsep
