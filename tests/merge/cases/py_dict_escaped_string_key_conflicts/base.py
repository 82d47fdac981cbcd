def f():
    d = {
        'z': 0,
    }
    return d
