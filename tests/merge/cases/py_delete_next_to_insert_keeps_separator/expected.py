def a():
    return 1


def new():
    return 0


def c():
    return 3
