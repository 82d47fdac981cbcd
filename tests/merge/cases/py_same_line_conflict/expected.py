def f(x):
<<<<<<< ours
    y = x + 2
=======
    y = x + 3
>>>>>>> theirs
    return y


def g(x):
    z = x * 2
    return z
