struct Pool;

<<<<<<< ours
impl Pool {
    pub fn new() -> Self {
        Pool
    }
}
=======
impl Pool {
    pub fn new() -> Self {
        Pool {}
    }

    pub fn len(&self) -> usize {
        0
    }
}
>>>>>>> theirs
