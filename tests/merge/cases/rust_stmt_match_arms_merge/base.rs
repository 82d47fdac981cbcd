pub fn kind(c: char) -> u8 {
    match c {
        'a' => 1,
        'b' => 2,
        'c' => 3,
        _ => 0,
    }
}
