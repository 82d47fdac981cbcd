def f():
    x = 1
    y = 2
    log(y)
    return x


def g():
    pass
