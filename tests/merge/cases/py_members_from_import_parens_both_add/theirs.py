from os import (
    path,
    sep,
    listdir,
)
