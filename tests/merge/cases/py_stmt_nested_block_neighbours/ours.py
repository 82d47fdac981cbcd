import sys


def run(n):
    total = 0
    step = 1
    print("start")
    for i in range(n):
        total += i * step * 2
        sys.stdout.flush()
    print("done", total)
    return total


def other():
    return 7
