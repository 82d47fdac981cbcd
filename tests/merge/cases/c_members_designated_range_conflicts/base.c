static const int table[16] = {
    [0] = 1,
    [4] = 2,
    [8] = 3,
};
