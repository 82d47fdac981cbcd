from os import (
    path,
    sep,
    getcwd,
)
