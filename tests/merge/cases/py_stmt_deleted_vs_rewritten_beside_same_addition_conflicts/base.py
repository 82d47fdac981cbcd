def f(x):
    x = 1
    log(x)
    run(x)
    return x
