def first():
    return 1


def alpha():
    return 1


def last():
    return 9
