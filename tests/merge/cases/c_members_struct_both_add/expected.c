struct point {
    int x;
    int y;
    int z;
    int w;
};

int f(void) { return 0; }
