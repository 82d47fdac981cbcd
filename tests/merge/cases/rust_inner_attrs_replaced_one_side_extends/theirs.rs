#![warn(clippy::missing_trait_methods)]
#![expect(clippy::needless_lifetimes)]
#![allow(clippy::derive_ord_xor_partial_ord)]

trait A {
    fn provided() {}
}
