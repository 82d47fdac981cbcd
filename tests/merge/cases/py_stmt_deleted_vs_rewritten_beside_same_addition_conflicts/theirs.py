def f(x):
    x = 1
    log(z)
    run(y)
    return x
