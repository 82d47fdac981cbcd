enum E {
    A,
    B,
}
