fn a() {}

fn helper(x: u8) -> u8 {
    x
}
