def f():
    d = {
        'z': 0,
        200: 'OK',
        404: 'Not Found',
        500: 'Server Error',
    }
    return d
