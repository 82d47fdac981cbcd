def f():
    d = {
        'z': 0,
        200: 'OK',
    }
    return d
