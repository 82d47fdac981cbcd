fn main() {
    run();
}

#[cfg(unix)]
fn run() {
    println!("unix");
}
