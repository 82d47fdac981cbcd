import sys


def run(n):
    total = 0
    step = 2
    print("start")
    for i in range(n):
        total += i * step
    print("done", total)
    return total


def other():
    return 7
