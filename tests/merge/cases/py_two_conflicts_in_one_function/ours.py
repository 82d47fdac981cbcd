def a():
    return 2


def b():
    x = 2
    y1 = 1
    y2 = 1
    y3 = 1
    y4 = 1
    y5 = 1
    w = 2
    return x


def c():
    pass
