class A {
    int x;
}
