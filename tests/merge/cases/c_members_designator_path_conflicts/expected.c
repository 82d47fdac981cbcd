static struct cfg c = {
    .name = "x",
    .size = 1,
<<<<<<< ours
    .pos.y = 2,
=======
    .pos = origin,
>>>>>>> theirs
};
