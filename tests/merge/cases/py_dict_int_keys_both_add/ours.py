def f():
    d = {
        'z': 0,
        200: 'OK',
        404: 'Not Found',
    }
    return d
