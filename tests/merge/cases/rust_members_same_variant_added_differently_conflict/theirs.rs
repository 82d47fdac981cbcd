enum E {
    A,
    B,
    C(u16),
}
