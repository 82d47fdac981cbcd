def f():
    x = 1
    y = 3
    log(y, level=2)
    return x


def g():
    pass
