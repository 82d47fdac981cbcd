typedef union {
    int i;
    float f;
    double d;
    long l;
} num;
