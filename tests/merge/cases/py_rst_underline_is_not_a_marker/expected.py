"""
Module
=======
"""


def f():
    return 1


def g():
    return 2


def o():
    return 3


def t():
    return 4
