enum color {
    RED,
    GREEN,
    BLUE,
};
