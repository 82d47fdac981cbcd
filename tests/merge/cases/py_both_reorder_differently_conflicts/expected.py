<<<<<<< ours
def g():
    return 2


=======
>>>>>>> theirs
def f():
    return 1


def h():
    return 3


def g():
    return 2
