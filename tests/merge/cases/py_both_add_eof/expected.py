def f(x):
    y = x + 1
    return y


def a():
    pass


def b():
    return 1
