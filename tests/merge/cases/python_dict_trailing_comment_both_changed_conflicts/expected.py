M = {
<<<<<<< ours
    "a": 1,  # first
=======
    "a": 1,  # the one
>>>>>>> theirs
    "b": 2,  # two
    "c": 3,
}
