/// Fast integer square root.
#[inline]
#[must_use]
pub fn isqrt(n: u64) -> u64 {
    let mut x = n;
    let mut y = (x + 1) / 2;
    if n < 2 {
        return n;
    }
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    x
}

pub fn is_square(n: u64) -> bool {
    let r = isqrt(n);
    r * r == n
}
