struct point {
    int x;
    int y;
    int z;
};

int f(void) { return 0; }
