pub fn a() -> u8 {
    1
}

pub fn b() -> u8 {
    2
}

pub fn c() -> u8 {
    3
}
