import os

SETTINGS = {
    "a": 1,
    "b": 2,
    "c": 3,
    "x": 5,
}


def f():
    return SETTINGS
