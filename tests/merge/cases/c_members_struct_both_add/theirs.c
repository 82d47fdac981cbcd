struct point {
    int x;
    int y;
    int w;
};

int f(void) { return 0; }
