//! Where `grade` finds its labs and keeps its caches.

use std::path::PathBuf;

/// The project root holding `reference/`, `rubrics/` and `fixtures/`:
/// `$GRADE_ROOT`, else the source tree this binary was built from.
pub fn root() -> PathBuf {
    std::env::var_os("GRADE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Where pre-built dependencies are kept between gradings:
/// `$GRADE_CACHE_DIR`, else `$XDG_CACHE_HOME/grade`, else `~/.cache/grade`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GRADE_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("grade");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache").join("grade"),
        None => std::env::temp_dir().join("grade-cache"),
    }
}
