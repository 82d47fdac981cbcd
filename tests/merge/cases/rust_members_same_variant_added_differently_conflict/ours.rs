enum E {
    A,
    B,
    C(u8),
    D,
}
