static struct cfg c = {
    .name = "x",
    .size = 1,
    .pos = origin,
};
