pub struct Config {
    pub retries: u32,
    pub verbose: bool,
}

impl Config {
    pub fn quiet(mut self) -> Self {
        self.verbose = false;
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { retries: 3, verbose: false }
    }
}

impl Clone for Config {
    fn clone(&self) -> Self {
        Config { retries: self.retries, verbose: self.verbose }
    }
}
