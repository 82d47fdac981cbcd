int area(int side) {
    return side * side;
}

int area(int w, int h) {
    return w * h;
}
