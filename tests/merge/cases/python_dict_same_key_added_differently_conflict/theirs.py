import os

SETTINGS = {
    "a": 1,
    "b": 2,
    "c": 3,
    "x": 6,
}


def f():
    return SETTINGS
