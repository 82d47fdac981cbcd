import os


def b():
    return os.linesep


def c():
    return os.pathsep
