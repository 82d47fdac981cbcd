class Buffer:
    def __init__(self):
        self.items = []

    def write(self, x):
        self.items.append(x)

    def close(self):
        self.items = None

    def flush(self):
        out, self.items = self.items, []
        return out


def make():
    return Buffer()
