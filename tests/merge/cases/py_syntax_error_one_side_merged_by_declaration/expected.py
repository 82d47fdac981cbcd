def first(items):
<<<<<<< ours
    return items[0] if items else None
def last(items):
=======
    return items[0]
def last(items:
>>>>>>> theirs
    return items[-1]
