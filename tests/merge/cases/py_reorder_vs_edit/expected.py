import math


def volume(r):
    return (4.0 / 3.0) * math.pi * r ** 3


def area(r):
    return math.pi * r * r


def surface(r):
    return 4.0 * math.pi * r ** 2
