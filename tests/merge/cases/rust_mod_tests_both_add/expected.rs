pub fn add(a: i32, b: i32) -> i32 {
    a + b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_small() {
        assert_eq!(add(1, 2), 3);
    }

    #[test]
    #[should_panic]
    fn overflows() {
        add(i32::MAX, 1);
    }

    #[test]
    fn adds_negative() {
        assert_eq!(add(-1, -2), -3);
    }
}
