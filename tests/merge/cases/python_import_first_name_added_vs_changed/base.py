from typing import Any, Optional
import os


def f():
    pass
