use std::fmt;

fn f() {}
