class A {
    int x;

    void m(int b) { }
}
