use a::{
    b,
    d,
    c,
    e,
};

fn f() {}
