struct S {
    a: u8,
<<<<<<< ours
    b: u8, // bytes
=======
    b: u8,
    c: u8,
>>>>>>> theirs
}
