//! A small key-value store used by the sample fixture.
//! Inner doc comments belong to the crate, not to the next item.

use std::collections::HashMap;
use std::{fs, io::{self, Read as R}};
use crate::util::helpers::*;
use super::config::Config as Cfg;
extern crate serde;
extern crate alloc as core_alloc;

/// Largest number of entries kept in memory.
pub const MAX_ENTRIES: usize = 1024;

static mut COUNTER: u32 = 0;
pub(crate) static GREETING: &str = "hello";

/// Errors the store can report.
#[derive(Debug, Clone)]
pub enum StoreError {
    NotFound(String),
    Io(io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The store itself.
#[derive(Debug, Default)]
pub struct Store {
    entries: HashMap<String, String>,
    pub(crate) limit: usize,
}

#[repr(C)]
union Bits {
    word: u32,
    bytes: [u8; 4],
}

/// Something that can be persisted.
pub trait Persist {
    type Key;

    /// Write self somewhere.
    fn save(&self, path: &str) -> io::Result<()>;

    fn name(&self) -> &str {
        "persist"
    }
}

impl Store {
    /// Make an empty store.
    pub fn new() -> Self {
        Store { entries: HashMap::new(), limit: MAX_ENTRIES }
    }

    pub fn get(&self, key: &str) -> Result<&String> {
        self.entries
            .get(key)
            .ok_or_else(|| StoreError::NotFound(key.to_string()))
    }

    pub(super) fn insert(&mut self, key: String, value: String) {
        if self.entries.len() >= self.limit {
            return;
        }
        self.entries.insert(key, value);
    }
}

impl Persist for Store {
    fn save(&self, path: &str) -> io::Result<()> {
        let text = format!("{:?}", self.entries);
        fs::write(path, text)
    }
}

pub struct Wrapper<T> {
    inner: T,
}

impl<T: std::fmt::Debug> std::fmt::Display for Wrapper<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.inner)
    }
}

#[macro_export]
macro_rules! square {
    ($x:expr) => {
        $x * $x
    };
}

mod storage;

pub mod codec {
    use super::Store;

    /// Encode a store.
    pub fn encode(store: &Store) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"kv");
        out
    }

    pub(in crate::codec) mod inner {
        pub const VERSION: u8 = 2;

        fn check(v: u8) -> bool {
            v == VERSION
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let mut s = Store::new();
        s.insert("a".into(), "b".into());
        assert_eq!(s.get("a").unwrap(), "b");
    }
}

extern "C" {
    fn abs(input: i32) -> i32;
}

/// Entry point.
fn main() {
    let store = Store::new();
    let n = square!(3);
    unsafe {
        COUNTER += 1;
    }
    println!("{} {}", n, GREETING);
    let mut buf = String::new();
    io::stdin().read_to_string(&mut buf).unwrap();
    store.save("out.kv").expect("save");
}

// An item-level macro invocation that declares one item is a symbol.
cfg_storage! {
    pub mod disk;
}

// One that declares several stays text.
cfg_storage! {
    pub mod memory;
    pub mod remote;
}
