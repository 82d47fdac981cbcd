pub fn min_of(xs: &[i32]) -> Option<i32> {
    xs.iter().copied().min()
}

pub fn sum_of(xs: &[i32]) -> i64 {
    xs.iter().map(|&x| x as i64).sum()
}

pub fn max_of(xs: &[i32]) -> Option<i32> {
    xs.iter().copied().max()
}

pub fn range_of(xs: &[i32]) -> Option<i32> {
    Some(max_of(xs)? - min_of(xs)?)
}
