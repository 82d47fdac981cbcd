#![warn(clippy::missing_trait_methods)]
#![allow(clippy::needless_lifetimes)]

trait A {
    fn provided() {}
}
