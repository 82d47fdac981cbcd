typedef union {
    int i;
    float f;
    long l;
} num;
