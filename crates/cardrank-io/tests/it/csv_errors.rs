//! Bad input gives one clear error, never a panic.

use std::path::Path;

use cardrank_io::{write_csv, CsvOptions, CsvReader, Error, GenParams};

use crate::common::{first_error, read_str, TempDir};

fn err_of(text: &[u8]) -> Error {
    match read_str("data.csv", text, &CsvOptions::default()) {
        Err(e) => e,
        Ok(rows) => panic!("expected an error, got {rows:?}"),
    }
}

#[test]
fn missing_file_is_open_error() {
    let err = first_error(Path::new("no/such/data.csv"), &CsvOptions::default());
    assert_eq!(err.kind_name(), "open");
    assert_eq!(
        err.to_string(),
        "cannot open `no/such/data.csv`: No such file or directory (os error 2)"
    );
}

#[test]
fn directory_is_open_error() {
    let dir = TempDir::new();
    let path = dir.path("sub");
    std::fs::create_dir(&path).expect("mkdir");
    let err = first_error(&path, &CsvOptions::default());
    assert_eq!(err.kind_name(), "open");
    assert!(err.to_string().contains("is a directory"), "{err}");
}

#[test]
fn empty_inputs() {
    let dir = TempDir::new();
    let path = dir.write("empty.csv", b"");
    let err = first_error(&path, &CsvOptions::default());
    assert!(matches!(err, Error::Empty { .. }), "{err}");
    assert!(err
        .to_string()
        .starts_with(&format!("`{}` is empty", path.display())));
    assert_eq!(err_of(b"\n\n").kind_name(), "empty");
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default())
        .finish()
        .expect("gzip");
    assert_eq!(err_of(&gz).kind_name(), "empty");
}

#[test]
fn ragged_row_names_line_and_counts() {
    let err = err_of(b"a,b,c\n1,2,3\n4,5,6\n7,8\n9,10,11\n");
    match &err {
        Error::Ragged {
            line,
            expected,
            found,
            ..
        } => assert_eq!((*line, *expected, *found), (4, 3, 2)),
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        err.to_string(),
        "`data.csv` line 4 has 2 fields, the header has 3"
    );
    // Too many fields, after a quoted field spanning two physical lines.
    let err = err_of(b"a,b\n\"x\ny\",1\n1,2,3\n");
    assert!(
        matches!(
            err,
            Error::Ragged {
                line: 4,
                expected: 2,
                found: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn ragged_row_in_a_later_batch() {
    let mut text = b"a,b\n".to_vec();
    for i in 0..2_000 {
        text.extend_from_slice(format!("{i},x\n").as_bytes());
    }
    text.extend_from_slice(b"only\n");
    let opts = CsvOptions {
        batch_size: 500,
        ..CsvOptions::default()
    };
    let reader = CsvReader::from_reader("big.csv", Box::new(std::io::Cursor::new(text)), &opts)
        .expect("open");
    let results: Vec<_> = reader.collect();
    assert_eq!(results.len(), 5);
    assert!(results[..4].iter().all(|r| r.is_ok()));
    let err = results[4].as_ref().expect_err("ragged");
    assert_eq!(
        err.to_string(),
        "`big.csv` line 2002 has 1 fields, the header has 2"
    );
}

#[test]
fn invalid_utf8_names_line_column_and_value() {
    let err = err_of(b"a,b\n1,ok\n2,x\xffy\n");
    match &err {
        Error::InvalidUtf8 {
            line,
            column,
            value,
            ..
        } => {
            assert_eq!(
                (*line, column.as_str(), value.as_str()),
                (3, "b", "x\\xFFy")
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        err.to_string(),
        "`data.csv` line 3 column `b` is not valid UTF-8: \"x\\xFFy\""
    );
    let err = err_of(b"a,\xc3\n1,2\n");
    assert!(
        matches!(&err, Error::InvalidUtf8 { line: 1, column, .. } if column == "#2 (header)"),
        "{err}"
    );
}

#[test]
fn long_bad_values_are_shortened() {
    let mut text = b"a\n".to_vec();
    text.extend(std::iter::repeat_n(b'z', 500));
    text.extend_from_slice(b"\xfe\n");
    let err = err_of(&text);
    let msg = err.to_string();
    assert!(msg.len() < 200, "{msg}");
    assert!(!msg.contains('\n'));
    assert!(msg.ends_with("...\""), "{msg}");
}

#[test]
fn duplicate_header() {
    let err = err_of(b"click,site,click\n1,a,1\n");
    match &err {
        Error::DuplicateColumn {
            name,
            first,
            second,
            ..
        } => assert_eq!((name.as_str(), *first, *second), ("click", 1, 3)),
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        err.to_string(),
        "`data.csv` has column `click` twice: at positions 1 and 3"
    );
}

/// Writes a generated log compressed, then cuts it in half.
fn truncated(dir: &TempDir, name: &str) -> std::path::PathBuf {
    let path = dir.path(name);
    let params = GenParams {
        rows: 20_000,
        columns: 20,
        ..GenParams::default()
    };
    write_csv(&params, &path).expect("write");
    let bytes = std::fs::read(&path).expect("read back");
    dir.write(name, &bytes[..bytes.len() / 2])
}

fn check_truncated(name: &str, format: &str) {
    let dir = TempDir::new();
    let path = truncated(&dir, name);
    let opts = CsvOptions {
        batch_size: 1_000,
        ..CsvOptions::default()
    };
    let mut reader = CsvReader::open(&path, &opts).expect("open");
    let mut ok_rows = 0;
    let err = loop {
        match reader.next() {
            Some(Ok(b)) => ok_rows += b.num_rows(),
            Some(Err(e)) => break e,
            None => panic!("no error for a truncated {format} file"),
        }
    };
    assert!(reader.next().is_none(), "iteration stops after an error");
    match &err {
        Error::Decompress { line, .. } => assert!(*line as usize > ok_rows, "{err}"),
        other => panic!("unexpected {other}"),
    }
    let msg = err.to_string();
    let prefix = format!(
        "`{}` is truncated or corrupt ({format}) near line ",
        path.display()
    );
    assert!(msg.starts_with(&prefix), "{msg}");
    assert!(ok_rows > 1_000, "read {ok_rows} rows before the cut");
}

#[test]
fn truncated_gzip_is_decompress_error() {
    check_truncated("cut.csv.gz", "gzip");
}

#[test]
fn truncated_zstd_is_decompress_error() {
    check_truncated("cut.csv.zst", "zstd");
}

#[test]
fn corrupt_gzip_never_panics() {
    let dir = TempDir::new();
    let path = dir.path("bad.csv.gz");
    let params = GenParams {
        rows: 5_000,
        columns: 15,
        ..GenParams::default()
    };
    write_csv(&params, &path).expect("write");
    let mut bytes = std::fs::read(&path).expect("read back");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5A;
    }
    let path = dir.write("bad.csv.gz", &bytes);
    let err = first_error(&path, &CsvOptions::default());
    assert!(
        ["decompress", "ragged", "invalid_utf8"].contains(&err.kind_name()),
        "{err}"
    );
}

#[test]
fn garbage_after_gzip_magic_is_decompress_error() {
    let err = err_of(b"\x1f\x8b\x08\x00garbage that is not deflate");
    assert_eq!(err.kind_name(), "decompress", "{err}");
    assert!(err.to_string().contains("(gzip) near line 1"), "{err}");
}

#[test]
fn invalid_options() {
    for opts in [
        CsvOptions {
            batch_size: 0,
            ..CsvOptions::default()
        },
        CsvOptions {
            delimiter: Some(b'\n'),
            ..CsvOptions::default()
        },
        CsvOptions {
            delimiter: Some(0xE9),
            ..CsvOptions::default()
        },
    ] {
        let err = CsvReader::from_reader("x.csv", Box::new(std::io::empty()), &opts)
            .err()
            .expect("rejected");
        assert_eq!(err.kind_name(), "invalid_option");
        assert!(err.to_string().starts_with("invalid option: "), "{err}");
    }
}

#[test]
fn stdin_errors_say_stdin() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("pipe broke"))
        }
    }
    let err = CsvReader::from_reader("<stdin>", Box::new(Failing), &CsvOptions::default())
        .err()
        .expect("error");
    assert_eq!(err.kind_name(), "read");
    assert_eq!(
        err.to_string(),
        "cannot read `<stdin>` near line 1: pipe broke"
    );
}
