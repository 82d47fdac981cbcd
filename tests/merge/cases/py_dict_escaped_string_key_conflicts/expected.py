def f():
    d = {
        'z': 0,
<<<<<<< ours
        'a': 1,
=======
        '\x61': 2,
>>>>>>> theirs
    }
    return d
