#!/usr/bin/env python3
"""Module doc."""
import os, sys as system
from .util import helper as h, other
from collections import *

MAX = 10
_private = 3  # trailing

# Comment for greeter
@dataclass
class Greeter(Base):
    """Doc."""
    count: int = 0

    def __init__(self, name):
        self.name = name
        print(name)

    @property
    def _hidden(self):
        class Inner:
            pass
        return os.path.join(self.name)

    class Nested:
        def deep(self): pass

def top():
    return Greeter("x").greet()

type Alias = list[int]
if __name__ == "__main__":
    top()
