use std::fmt;

pub fn run(n: u32) -> u32 {
    let mut total = 0;
    let step = 1;
    let scale = 4;
    println!("start");
    for i in 0..n {
        total += i * step;
    }
    println!("done {}", total);
    total
}

pub fn other() -> u32 {
    7
}
