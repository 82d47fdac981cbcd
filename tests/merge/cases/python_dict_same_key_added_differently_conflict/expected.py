import os

SETTINGS = {
    "a": 1,
    "b": 2,
    "c": 3,
<<<<<<< ours
    "x": 5,
=======
    "x": 6,
>>>>>>> theirs
}


def f():
    return SETTINGS
