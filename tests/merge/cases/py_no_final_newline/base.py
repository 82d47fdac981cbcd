def width(s):
    return len(s)


def height(s):
    return s.count("\n") + 1