M = {
    "a": 1,  # first
    "b": 2,  # two
    "c": 3,
}
