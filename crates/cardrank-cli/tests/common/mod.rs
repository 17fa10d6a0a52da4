//! Helpers shared by the CLI's integration tests (each file is its own
//! crate and uses some of them).
#![allow(dead_code)]

use std::path::PathBuf;

use tempfile::TempDir;

/// A scratch folder `cardrank-TAG-...` for one test, removed when dropped.
pub fn scratch(tag: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("cardrank-{tag}-"))
        .tempdir()
        .unwrap()
}

/// Writes `bytes` as `name` into the scratch folder `tmp`.
pub fn write(tmp: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = tmp.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}
