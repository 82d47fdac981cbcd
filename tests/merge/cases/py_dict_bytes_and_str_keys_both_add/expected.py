def f():
    d = {
        'z': 0,
        'a': 1,
        b'a': 2,
    }
    return d
