use std::collections::{HashMap, HashSet, VecDeque};

#[derive(Debug, Clone, Eq)]
pub struct Config {
    pub name: String,
    pub size: usize,
    pub quiet: bool,
}

pub enum Color {
    Red,
    Green,
    Yellow,
}

fn main() {}
