int area(int side) {
    return side * side;
}

double area(double r) {
    return 3.14 * r * r;
}
