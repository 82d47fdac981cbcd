use crate::rewrite::{Rewrite, RewriteContext};
use std::fmt;

fn f() {}
