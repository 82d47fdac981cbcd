int area(int side) {
    return side * side;
}

double area(double r) {
    return 3.1416 * r * r;
}
