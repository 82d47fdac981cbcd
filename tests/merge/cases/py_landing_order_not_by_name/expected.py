def first():
    return 1


def zeta():
    return 26


def alpha():
    return 1


def last():
    return 9
