from os import path, sep


def f():
    pass
