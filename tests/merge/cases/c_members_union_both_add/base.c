typedef union {
    int i;
    float f;
} num;
