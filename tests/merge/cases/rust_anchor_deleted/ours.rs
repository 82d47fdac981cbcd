pub fn a() -> u8 {
    1
}

pub fn c() -> u8 {
    3
}
