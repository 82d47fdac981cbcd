fn main() {
    run();
}

#[cfg(unix)]
fn run() {
    println!("unix");
}

#[cfg(windows)]
fn run() {
    println!("windows");
}
