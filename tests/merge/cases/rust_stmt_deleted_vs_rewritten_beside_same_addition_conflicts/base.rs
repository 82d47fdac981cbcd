fn f(x: i32) -> i32 {
    let y = 1;
    log(x);
    done(x);
    y
}
