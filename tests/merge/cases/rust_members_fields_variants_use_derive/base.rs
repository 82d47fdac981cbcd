use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub size: usize,
}

pub enum Color {
    Red,
    Green,
}

fn main() {}
