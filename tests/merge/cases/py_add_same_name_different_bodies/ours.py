def load(path):
    with open(path) as fh:
        return fh.read()


def validate(text):
    return bool(text.strip())
