struct S {
    a: u8,
<<<<<<< ours
    c: u8,
=======
    b: u16,
    d: u8,
>>>>>>> theirs
}
