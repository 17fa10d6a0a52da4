//! Unit tests of the CSV reader.

use super::*;

fn rec(fields: &[&[u8]]) -> ByteRecord {
    ByteRecord::from(fields.to_vec())
}

#[test]
fn header_duplicates_report_earliest_second_occurrence() {
    let err = header_names("f.csv", &rec(&[b"a", b"b", b"b", b"a"])).unwrap_err();
    match err {
        Error::DuplicateColumn {
            name,
            first,
            second,
            ..
        } => assert_eq!((name.as_str(), first, second), ("b", 2, 3)),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn header_strips_bom() {
    let names = header_names("f.csv", &rec(&[b"\xEF\xBB\xBFclick", b"x"])).unwrap();
    assert_eq!(names, vec!["click", "x"]);
}

#[test]
fn field_split_inside_a_character_is_invalid() {
    // "\xC3" + "\xA9" is valid as a whole ("é") but not field by field.
    let schema = Schema::new(vec![
        Field::new("a", DataType::Utf8, false),
        Field::new("b", DataType::Utf8, false),
    ]);
    let mut builders = vec![StringBuilder::new(), StringBuilder::new()];
    let row = Row {
        name: "f.csv",
        schema: &schema,
        n_fields: 2,
        keep: &[0, 1],
    };
    let err = row.append(&rec(&[b"x\xC3", b"\xA9"]), &mut builders);
    assert!(matches!(err, Err(Error::InvalidUtf8 { ref column, .. }) if column == "a"));
}

#[test]
fn a_long_row_stops_while_it_is_read() {
    // A 64 MiB line against a 1 MiB limit: the error comes after 1 MiB
    // of the line, not after all of it.
    let mut data = b"y,a\n1,x\n0,".to_vec();
    data.resize(data.len() + (64 << 20), b'z');
    data.push(b'\n');
    let total = data.len() as u64;
    let mut reader = CsvReader::from_reader(
        "long.csv",
        Box::new(std::io::Cursor::new(data)),
        &CsvOptions::default(),
    )
    .unwrap();
    reader.set_row_limit(1 << 20);
    let progress = reader.progress();
    let err = reader.find_map(|b| b.err()).expect("an error");
    match err {
        Error::RowTooLarge {
            line, bytes, limit, ..
        } => {
            assert_eq!((line, limit), (3, 1 << 20));
            assert_eq!(bytes, (1 << 20) + 1);
        }
        other => panic!("unexpected {other}"),
    }
    assert!(
        progress.bytes_read() < 8 << 20,
        "{} of {total}",
        progress.bytes_read()
    );
}

#[test]
fn bad_options_are_rejected() {
    let opts = CsvOptions {
        batch_size: 0,
        ..CsvOptions::default()
    };
    assert_eq!(opts.check(None).unwrap_err().kind_name(), "invalid_option");
    let opts = CsvOptions {
        delimiter: Some(b'"'),
        ..CsvOptions::default()
    };
    assert_eq!(opts.check(None).unwrap_err().kind_name(), "invalid_option");
}
