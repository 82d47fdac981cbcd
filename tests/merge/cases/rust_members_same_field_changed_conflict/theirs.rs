struct S {
    a: u32,
    b: u8,
    d: u8,
}
