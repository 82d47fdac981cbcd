enum color {
    RED,
    GREEN,
    YELLOW,
};
