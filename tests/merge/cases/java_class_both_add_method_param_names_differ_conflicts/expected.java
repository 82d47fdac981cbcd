class A {
    int x;

<<<<<<< ours
    void m(int a) { }
=======
    void m(int b) { }
>>>>>>> theirs
}
