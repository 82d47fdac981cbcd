from os import path, sep, getcwd, listdir


def f():
    pass
