import json
import os


def read(path):
    with open(os.path.expanduser(path)) as fh:
        data = json.load(fh)
    return data
