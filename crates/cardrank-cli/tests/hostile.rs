//! The crafted bad inputs of `../shared/hostile` (files that once aborted
//! the process or made it allocate gigabytes): `rank` and `report` end each
//! with exit code 2 and one `error:` line naming the file, no panic text,
//! also with `RUST_BACKTRACE=1` and under a 1 GB address-space limit.
//! Skipped, saying so, where the folder is absent.

mod common;

use common::scratch;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hostile_files() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/hostile");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} is absent", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no files", dir.display());
    Some(files)
}

/// The command line for `cmd` (rank or report) on `file`.
fn args(cmd: &str, file: &Path, out: &Path) -> Vec<String> {
    let mut a = vec![cmd.to_string(), file.display().to_string()];
    a.extend(["--target".into(), "y".into()]);
    if cmd == "report" {
        a.extend(["--out".into(), out.display().to_string()]);
    }
    a
}

/// Checks one run: exit 2, one `error:` line naming the file, nothing else.
fn check(what: &str, file: &Path, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: {:?}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: {stderr}");
    assert!(lines[0].starts_with("error: "), "{what}: {stderr}");
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(lines[0].contains(name.as_ref()), "{what}: {stderr}");
}

#[test]
fn hostile_files_give_one_error_line() {
    let Some(files) = hostile_files() else { return };
    let dir = scratch("hostile-plain");
    for file in &files {
        for cmd in ["rank", "report"] {
            let out = Command::new(env!("CARGO_BIN_EXE_cardrank"))
                .args(args(cmd, file, &dir.path().join("report")))
                .env("RUST_BACKTRACE", "1")
                .output()
                .unwrap();
            check(&format!("{cmd} {}", file.display()), file, &out);
        }
    }
}

/// Under 1 GB of address space, where an allocation of what the file claims
/// would abort (SIGABRT) rather than fail: still exit 2.
#[test]
fn hostile_files_fail_cleanly_under_an_address_space_limit() {
    let Some(files) = hostile_files() else { return };
    let has_prlimit = Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_prlimit {
        eprintln!("skipping: no prlimit on this machine");
        return;
    }
    let dir = scratch("hostile-limited");
    for file in &files {
        for cmd in ["rank", "report"] {
            let out = Command::new("prlimit")
                .arg("--as=1000000000")
                .arg("--")
                .arg(env!("CARGO_BIN_EXE_cardrank"))
                .args(args(cmd, file, &dir.path().join("report")))
                .output()
                .unwrap();
            check(&format!("limited {cmd} {}", file.display()), file, &out);
        }
    }
}
