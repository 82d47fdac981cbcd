import math


def volume(r):
    return 4 / 3 * math.pi * r ** 3


def area(r):
    return math.pi * r * r


def surface(r):
    return 4 * math.pi * r * r
