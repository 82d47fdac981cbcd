struct S {
    a: u8,
    c: u8,
}
