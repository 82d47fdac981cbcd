int area(int side) {
    return side * side;
}

<<<<<<< ours
double area(double r) {
    return 3.14 * r * r;
}
=======
double area(double r) {
    return 3.1416 * r * r;
}
>>>>>>> theirs
