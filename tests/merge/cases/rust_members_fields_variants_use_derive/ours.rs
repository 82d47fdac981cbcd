use std::collections::{HashMap, HashSet, BTreeMap};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub name: String,
    pub size: usize,
    pub verbose: bool,
}

pub enum Color {
    Red,
    Green,
    Blue,
}

fn main() {}
