import time


def now():
    return time.time()


def elapsed(start):
    return now() - start


def report(start):
    print("took", elapsed(start))
