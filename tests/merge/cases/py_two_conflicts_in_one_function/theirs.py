def a():
    pass


def b():
    x = 3
    y1 = 1
    y2 = 1
    y3 = 1
    y4 = 1
    y5 = 1
    w = 3
    return x


def d():
    pass
