import math


class Circle:
    """A circle."""

    def __init__(self, r):
        self.r = r
        self.name = "round"

    def area(self):
        return round(math.pi * self.r ** 2, 6)

    def perimeter(self) -> float:
        return 2 * math.pi * self.r

    def describe(self):
        return f"{self.name} (r={self.r})"


def unit():
    return Circle(1)
