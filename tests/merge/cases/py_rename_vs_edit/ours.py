import hashlib


def sha1_hex(data):
    h = hashlib.sha1()
    h.update(data)
    return h.hexdigest()


def short(data):
    return sha1_hex(data)[:8]
