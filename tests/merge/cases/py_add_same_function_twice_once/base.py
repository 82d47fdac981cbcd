def lower(xs):
    return min(xs)


def upper(xs):
    return max(xs)


def main(xs):
    print(lower(xs), upper(xs))
