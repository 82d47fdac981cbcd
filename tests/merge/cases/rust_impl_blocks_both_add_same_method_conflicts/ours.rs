struct Pool;

impl Pool {
    pub fn new() -> Self {
        Pool
    }
}
