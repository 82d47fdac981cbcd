pub fn kind(c: char) -> u8 {
    match c {
        'a' => 10,
        'b' => 2,
        'c' => 3,
        _ => 0,
    }
}
