typedef union {
    int i;
    float f;
    double d;
} num;
