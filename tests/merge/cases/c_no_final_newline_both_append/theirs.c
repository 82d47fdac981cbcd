int a;
int b;
int d;
