struct Pool;

impl Pool {
    pub fn new() -> Self {
<<<<<<< ours
        Pool
=======
        Pool {}
    }

    pub fn len(&self) -> usize {
        0
>>>>>>> theirs
    }
}
