use crate::rewrite::{ExceedsMaxWidthError, Rewrite, RewriteContext, RewriteResult};
use std::fmt;

fn f() {}
