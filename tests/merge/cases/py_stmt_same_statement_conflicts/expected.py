import sys


def run(n):
    total = 0
<<<<<<< ours
    step = 2
    print("start")
=======
    step = 3
    print("begin")
>>>>>>> theirs
    for i in range(n):
        total += i * step
    print("done", total)
    return total + 1


def other():
    return 7
