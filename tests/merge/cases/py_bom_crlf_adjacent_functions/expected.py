import os


def f(x):
    return x + 10


def g(x):
    return x * 20
