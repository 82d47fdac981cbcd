static const int table[16] = {
    [0] = 1,
    [4] = 2,
    [5] = 9,
    [8] = 3,
};
