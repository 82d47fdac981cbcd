def f():
    d = {
        'z': 0,
        b'a': 2,
    }
    return d
