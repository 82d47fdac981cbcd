use a::{
    b,
    c,
    d,
    e,
};

fn f() {}
