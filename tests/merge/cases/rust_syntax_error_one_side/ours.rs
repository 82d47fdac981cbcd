fn double(x: i32) -> i32 {
    x.saturating_mul(2)
}

fn triple(x: i32) -> i32 {
    x * 3
}

fn main() {
    println!("{} {}", double(2), triple(2));
}
