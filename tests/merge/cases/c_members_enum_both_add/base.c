enum color {
    RED,
    GREEN,
};
