import sys


def run(n):
    total = 0
    step = 3
    print("begin")
    for i in range(n):
        total += i * step
    print("done", total)
    return total


def other():
    return 7
