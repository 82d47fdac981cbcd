def width(s):
    return max(len(l) for l in s.split("\n"))


def height(s):
    return s.count("\n") + (0 if s.endswith("\n") else 1)