use std::collections::HashMap;
use std::fmt;
use std::io;
use std::env;

pub fn count(words: &[&str]) -> HashMap<String, usize> {
    let mut m = HashMap::with_capacity(env::args().count());
    for w in words {
        *m.entry(w.to_string()).or_insert(0) += 1;
    }
    m
}

pub fn show(m: &HashMap<String, usize>) -> io::Result<String> {
    let mut s = String::new();
    for (k, v) in m {
        s += &format!("{k}={v}\n");
    }
    Ok(s)
}
