static const int table[16] = {
    [0] = 1,
<<<<<<< ours
    [2 ... 6] = 7,
=======
    [4] = 2,
    [5] = 9,
>>>>>>> theirs
    [8] = 3,
};
