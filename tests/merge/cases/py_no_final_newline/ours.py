def width(s):
    return max(len(l) for l in s.split("\n"))


def height(s):
    return s.count("\n") + 1