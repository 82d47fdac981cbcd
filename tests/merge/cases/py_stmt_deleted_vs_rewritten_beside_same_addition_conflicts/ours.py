def f(x):
    x = 1
    run(y)
    return x
