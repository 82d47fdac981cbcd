def a():
    return "A"


def x():
    return "x"


def b() -> str:
    return "b"


def y():
    return "y"


def c():
    return "c"
