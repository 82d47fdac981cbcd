def a():
    pass


def b():
    x = 1
    y1 = 1
    y2 = 1
    y3 = 1
    y4 = 1
    y5 = 1
    w = 1
    return x
