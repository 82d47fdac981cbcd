struct point {
    int x;
    int y;
};

int f(void) { return 0; }
