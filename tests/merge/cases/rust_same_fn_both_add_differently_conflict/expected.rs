fn a() {}

<<<<<<< ours
fn helper(x: u8) -> u8 {
    x
}
=======
fn helper(x: u16) -> u16 {
    x
}
>>>>>>> theirs
