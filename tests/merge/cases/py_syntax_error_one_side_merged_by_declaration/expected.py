def first(items):
    return items[0] if items else None
def last(items:
    return items[-1]
