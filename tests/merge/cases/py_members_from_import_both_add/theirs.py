from os import path, sep, listdir


def f():
    pass
