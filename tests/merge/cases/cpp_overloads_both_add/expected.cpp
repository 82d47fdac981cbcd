int area(int side) {
    return side * side;
}

double area(double r) {
    return 3.14 * r * r;
}

int area(int w, int h) {
    return w * h;
}
