def a():
    return "A"


def b():
    return "b"


def y():
    return "y"


def c():
    return "c"
