def f():
    d = {
        'z': 0,
        'a': 1,
    }
    return d
