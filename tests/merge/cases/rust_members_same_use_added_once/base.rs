use a::{
    b,
    c,
};

fn f() {}
