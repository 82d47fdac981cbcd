static const int table[16] = {
    [0] = 1,
    [2 ... 6] = 7,
    [8] = 3,
};
