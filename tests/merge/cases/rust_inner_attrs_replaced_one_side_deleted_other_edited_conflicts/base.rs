#![warn(x)]
#![allow(a)]
#![allow(b)]

trait A {
    fn p() {}
}
