import math


def area(r):
    return math.pi * r * r


def volume(r):
    return (4.0 / 3.0) * math.pi * r ** 3


def surface(r):
    return 4.0 * math.pi * r ** 2
