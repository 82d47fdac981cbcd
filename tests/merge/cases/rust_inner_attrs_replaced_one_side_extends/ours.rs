#![warn(clippy::missing_trait_methods)]
#![expect(clippy::needless_lifetimes)]

trait A {
    fn provided() {}
}
