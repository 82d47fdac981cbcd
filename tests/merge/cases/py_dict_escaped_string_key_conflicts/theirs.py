def f():
    d = {
        'z': 0,
        '\x61': 2,
    }
    return d
