import json
import re


def read(path):
    with open(path) as fh:
        data = json.load(fh)
    return {re.sub(r"\W", "_", k): v for k, v in data.items()}
