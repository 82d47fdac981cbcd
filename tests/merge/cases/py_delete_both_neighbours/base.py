import os


def a():
    return os.sep


def b():
    return os.linesep


def c():
    return os.pathsep
