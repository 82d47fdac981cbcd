import hashlib


def digest(data):
    h = hashlib.sha1()
    h.update(data)
    return h.hexdigest()


def short(data):
    return digest(data)[:8]
