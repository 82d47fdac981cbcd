def f():
    d = {
        'z': 0,
<<<<<<< ours
        1: 'x',
=======
        True: 'y',
>>>>>>> theirs
    }
    return d
