D = {
    'a': 1,
<<<<<<< ours
    'b': 2,
=======
    'b': 2,  # deprecated
    'c': 3,
>>>>>>> theirs
}
