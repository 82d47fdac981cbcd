#![warn(clippy::missing_trait_methods)]
<<<<<<< ours
#![expect(clippy::needless_lifetimes)]
=======
#![expect(clippy::needless_lifetimes)]
#![allow(clippy::derive_ord_xor_partial_ord)]
>>>>>>> theirs

trait A {
    fn provided() {}
}
