def width(s):
    return len(s)


def height(s):
    return s.count("\n") + (0 if s.endswith("\n") else 1)