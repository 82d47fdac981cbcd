def f(x):
    x = 1
<<<<<<< ours
=======
    log(z)
>>>>>>> theirs
    run(y)
    return x
