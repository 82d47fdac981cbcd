def f():
    d = {
        'z': 0,
        1: 'x',
    }
    return d
