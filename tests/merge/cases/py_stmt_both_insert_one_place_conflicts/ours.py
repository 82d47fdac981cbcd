import sys


def run(n):
    total = 0
    step = 1
    limit = n
    print("start")
    for i in range(n):
        total += i * step
    print("done", total)
    return total


def other():
    return 7
