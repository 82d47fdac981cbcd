import time


def now():
    return time.monotonic()


def elapsed(start):
    return now() - start


def report(start):
    print("took", elapsed(start))
