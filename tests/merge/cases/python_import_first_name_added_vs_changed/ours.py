from typing import Any, Optional, Union
import os


def f():
    pass
