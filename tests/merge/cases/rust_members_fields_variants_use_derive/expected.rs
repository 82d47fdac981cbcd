use std::collections::{HashMap, HashSet, BTreeMap, VecDeque};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub name: String,
    pub size: usize,
    pub verbose: bool,
    pub quiet: bool,
}

pub enum Color {
    Red,
    Green,
    Blue,
    Yellow,
}

fn main() {}
