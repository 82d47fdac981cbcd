int area(int side) {
    return side * side;
}
