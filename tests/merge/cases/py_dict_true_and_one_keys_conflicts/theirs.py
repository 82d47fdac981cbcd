def f():
    d = {
        'z': 0,
        True: 'y',
    }
    return d
