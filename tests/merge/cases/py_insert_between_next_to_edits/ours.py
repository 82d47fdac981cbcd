def a():
    return "a"


def x():
    return "x"


def b() -> str:
    return "b"


def c():
    return "c"
