import time


def now():
    return time.time()


def elapsed(start: float) -> float:
    return now() - start


def report(start):
    print(f"took {elapsed(start):.3f}s")
