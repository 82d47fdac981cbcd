<<<<<<< ours
use crate::rewrite::{ExceedsMaxWidthError, Rewrite, RewriteContext};
=======
>>>>>>> theirs
use std::fmt;

fn f() {}
