fn main() {
    run();
}

#[cfg(windows)]
fn run() {
    println!("windows");
}
