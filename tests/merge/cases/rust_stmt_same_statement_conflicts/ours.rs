use std::fmt;

pub fn run(n: u32) -> u32 {
    let mut total = 0;
    let step = 2;
    println!("start");
    for i in 0..n {
        total += i * step;
    }
    println!("done {}", total);
    total + 1
}

pub fn other() -> u32 {
    7
}
