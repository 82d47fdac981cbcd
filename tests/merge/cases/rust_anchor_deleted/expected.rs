pub fn a() -> u8 {
    1
}

pub fn y() -> u8 {
    25
}

pub fn c() -> u8 {
    3
}
