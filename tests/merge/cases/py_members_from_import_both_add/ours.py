from os import path, sep, getcwd


def f():
    pass
