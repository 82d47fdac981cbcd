struct Pool;

impl Pool {
    pub fn new() -> Self {
        Pool {}
    }

    pub fn len(&self) -> usize {
        0
    }
}
