fn f(x: i32) -> i32 {
    let y = 1;
<<<<<<< ours
=======
    log(z);
>>>>>>> theirs
    extra();
    done(x);
    y
}
