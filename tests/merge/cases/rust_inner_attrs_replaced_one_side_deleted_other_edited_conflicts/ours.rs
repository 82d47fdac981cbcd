#![warn(x)]
#![expect(a)]

trait A {
    fn p() {}
}
