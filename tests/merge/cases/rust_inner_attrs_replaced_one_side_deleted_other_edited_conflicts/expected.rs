#![warn(x)]
<<<<<<< ours
#![expect(a)]
=======
#![expect(a)]
#![allow(b, c)]
>>>>>>> theirs

trait A {
    fn p() {}
}
