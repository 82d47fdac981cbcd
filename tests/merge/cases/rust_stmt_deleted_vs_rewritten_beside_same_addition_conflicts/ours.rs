fn f(x: i32) -> i32 {
    let y = 1;
    extra();
    done(x);
    y
}
