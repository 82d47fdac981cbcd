use crate::rewrite::{ExceedsMaxWidthError, Rewrite, RewriteContext};
use std::fmt;

fn f() {}
