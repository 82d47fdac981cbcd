struct S {
    a: u8,
    b: u16,
    d: u8,
}
