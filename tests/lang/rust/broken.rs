use std::fmt;

/// Parsed settings.
pub struct Settings {
    pub verbose: bool,
}

impl Settings {
    pub fn load(path: &str) -> Settings {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let verbose = text.contains("verbose" ;
        Settings { verbose }
    }
}

fn helper(x: i32) -> i32 {
    x + 1
}

pub fn after() -> String {
    format!("{}", helper(2))
}
