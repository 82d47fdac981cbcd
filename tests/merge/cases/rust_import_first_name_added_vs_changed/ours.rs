use crate::rewrite::{Rewrite, RewriteContext, RewriteResult};
use std::fmt;

fn f() {}
