from typing import TYPE_CHECKING, Any, Optional, Union
import os


def f():
    pass
