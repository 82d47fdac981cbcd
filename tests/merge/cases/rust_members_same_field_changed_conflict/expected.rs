struct S {
<<<<<<< ours
    a: u16,
=======
    a: u32,
>>>>>>> theirs
    b: u8,
<<<<<<< ours
    c: u8,
=======
    d: u8,
>>>>>>> theirs
}
