from typing import TYPE_CHECKING, Any, Optional
import os


def f():
    pass
