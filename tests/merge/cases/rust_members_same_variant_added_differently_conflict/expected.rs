enum E {
    A,
    B,
<<<<<<< ours
    C(u8),
    D,
=======
    C(u16),
>>>>>>> theirs
}
