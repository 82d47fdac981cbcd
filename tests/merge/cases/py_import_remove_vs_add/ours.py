import json


def read(path):
    with open(path) as fh:
        data = json.load(fh)
    return data
