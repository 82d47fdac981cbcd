def lower(xs):
    return min(xs)


def clamp(x, lo, hi):
    return max(lo, min(x, hi))


def upper(xs):
    return max(xs)


def main(xs):
    print(lower(xs), upper(xs))
