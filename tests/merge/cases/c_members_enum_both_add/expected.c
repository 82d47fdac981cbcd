enum color {
    RED,
    GREEN,
    BLUE,
    YELLOW,
};
