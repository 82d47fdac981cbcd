use std::path::{Path, PathBuf};

/// Joins `name` onto `dir`.
pub fn join(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// The file stem as a string.
pub fn stem(p: &Path) -> Option<&str> {
    p.file_stem()?.to_str()
}
