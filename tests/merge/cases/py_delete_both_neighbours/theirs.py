import os


def a():
    return os.sep


def c():
    return os.pathsep
