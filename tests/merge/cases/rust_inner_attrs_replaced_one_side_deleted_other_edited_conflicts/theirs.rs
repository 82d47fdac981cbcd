#![warn(x)]
#![expect(a)]
#![allow(b, c)]

trait A {
    fn p() {}
}
