def f():
    d = {
        'z': 0,
        200: 'OK',
        500: 'Server Error',
    }
    return d
