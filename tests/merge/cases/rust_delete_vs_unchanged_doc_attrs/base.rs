use std::path::{Path, PathBuf};

/// Joins `name` onto `dir`.
pub fn join(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Old spelling of [`join`].
#[deprecated(since = "0.3.0", note = "use join")]
#[allow(dead_code)]
pub fn path_join(dir: &Path, name: &str) -> PathBuf {
    join(dir, name)
}

/// The file stem as a string.
pub fn stem(p: &Path) -> Option<&str> {
    p.file_stem()?.to_str()
}
