struct S {
    a: u16,
    b: u8,
    c: u8,
}
