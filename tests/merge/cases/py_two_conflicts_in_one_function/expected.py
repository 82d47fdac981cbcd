def a():
    return 2


def b():
<<<<<<< ours
    x = 2
=======
    x = 3
>>>>>>> theirs
    y1 = 1
    y2 = 1
    y3 = 1
    y4 = 1
    y5 = 1
<<<<<<< ours
    w = 2
=======
    w = 3
>>>>>>> theirs
    return x


def c():
    pass


def d():
    pass
