#![warn(clippy::missing_trait_methods)]

trait A {
    fn provided() {}
}

trait B {
    fn required();
}
