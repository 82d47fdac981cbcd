use std::io::{self, BufRead};

fn read_numbers() -> io::Result<Vec<i64>> {
    let stdin = io::stdin();
    let mut out = Vec::new();
    for line in stdin.lock().lines() {
        out.push(line?.trim().parse().unwrap_or(0));
    }
    Ok(out)
}
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let nums = read_numbers()?;
    println!("{}", nums.iter().sum::<i64>());
    Ok(())
}
