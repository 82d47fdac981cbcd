use a::{
    b,
    c,
    d,
};

fn f() {}
