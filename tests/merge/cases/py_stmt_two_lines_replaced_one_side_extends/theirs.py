def f():
    x = 1
    y = 3
    log(y, level=2)
    flush()
    return x


def g():
    pass
