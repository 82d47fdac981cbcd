D = {
    'a': 1,
    'b': 2,  # deprecated
    'c': 3,
}
