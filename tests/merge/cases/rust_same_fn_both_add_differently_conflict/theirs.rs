fn a() {}

fn helper(x: u16) -> u16 {
    x
}
