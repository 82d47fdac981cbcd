def f():
    x = 1
    y = 3
<<<<<<< ours
=======
    log(y, level=2)
>>>>>>> theirs
    return x


def g():
    pass
