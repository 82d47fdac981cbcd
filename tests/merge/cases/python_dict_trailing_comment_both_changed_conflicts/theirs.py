M = {
    "a": 1,  # the one
    "b": 2,  # two
}
