//! Reading well-formed CSV/TSV, plain and compressed.

use std::io::Write;

use arrow_array::Array;
use arrow_schema::DataType;
use cardrank_io::{write_csv, Compression, CsvOptions, CsvReader, GenParams, Generator};

use crate::common::{read_all, read_str, rows_of, TempDir};

fn small_params() -> GenParams {
    GenParams {
        rows: 5_000,
        columns: 20,
        seed: 11,
        batch_size: 1_000,
        ..GenParams::default()
    }
}

fn generated_rows(params: &GenParams) -> (Vec<String>, Vec<Vec<String>>) {
    let gen = Generator::new(params).expect("valid params");
    let names = gen
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches: Vec<_> = gen.collect();
    (names, rows_of(&batches))
}

fn check_round_trip(file_name: &str, expected: Compression) {
    let dir = TempDir::new();
    let path = dir.path(file_name);
    let params = small_params();
    let truth = write_csv(&params, &path).expect("write");
    let (names, rows) = generated_rows(&params);
    let opts = CsvOptions {
        batch_size: 777,
        ..CsvOptions::default()
    };
    let reader = CsvReader::open(&path, &opts).expect("open");
    assert_eq!(reader.compression(), expected);
    let (read_names, batches) = read_all(&path, &opts);
    assert_eq!(read_names, names);
    assert_eq!(truth.target, read_names[0]);
    assert!(batches.iter().all(|b| b.num_rows() <= 777));
    assert_eq!(rows_of(&batches), rows);
}

#[test]
fn round_trip_plain() {
    check_round_trip("clicks.csv", Compression::None);
}

#[test]
fn round_trip_gzip() {
    check_round_trip("clicks.csv.gz", Compression::Gzip);
}

#[test]
fn round_trip_zstd_written_by_generator() {
    check_round_trip("clicks.csv.zst", Compression::Zstd);
}

#[test]
fn round_trip_zstd_written_by_zstd_crate() {
    let dir = TempDir::new();
    let plain = dir.path("clicks.csv");
    let params = small_params();
    write_csv(&params, &plain).expect("write");
    let bytes = std::fs::read(&plain).expect("read back");
    let packed = zstd::encode_all(&bytes[..], 5).expect("zstd");
    // Misnamed on purpose: detection goes by magic bytes, not the name.
    let path = dir.write("clicks.data", &packed);
    let (_, batches) = read_all(&path, &CsvOptions::default());
    assert_eq!(rows_of(&batches), generated_rows(&params).1);
}

#[test]
fn concatenated_gzip_members_are_read_whole() {
    let mut out = Vec::new();
    for part in [&b"a,b\n1,2\n"[..], &b"3,4\n"[..]] {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(part).expect("gzip");
        out.extend(enc.finish().expect("gzip"));
    }
    let (_, rows) = read_str("<stdin>", &out, &CsvOptions::default()).expect("read");
    assert_eq!(rows, vec![vec!["1", "2"], vec!["3", "4"]]);
}

#[test]
fn stdin_like_reader_with_gzip() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"x,y\nfoo,bar\n").expect("gzip");
    let bytes = enc.finish().expect("gzip");
    let (names, rows) = read_str("<stdin>", &bytes, &CsvOptions::default()).expect("read");
    assert_eq!(names, vec!["x", "y"]);
    assert_eq!(rows, vec![vec!["foo", "bar"]]);
}

#[test]
fn tsv_delimiter_from_extension() {
    let dir = TempDir::new();
    let text = b"a\tb,c\n1\t2,3\n";
    for name in ["t.tsv", "t.TAB"] {
        let path = dir.write(name, text);
        let (names, batches) = read_all(&path, &CsvOptions::default());
        assert_eq!(names, vec!["a", "b,c"], "{name}");
        assert_eq!(rows_of(&batches), vec![vec!["1", "2,3"]]);
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text).expect("gzip");
    let path = dir.write("t.tsv.gz", &enc.finish().expect("gzip"));
    let (names, _) = read_all(&path, &CsvOptions::default());
    assert_eq!(names, vec!["a", "b,c"]);
    // The same bytes as .csv split on commas instead.
    let path = dir.write("t.csv", text);
    let (names, _) = read_all(&path, &CsvOptions::default());
    assert_eq!(names, vec!["a\tb", "c"]);
    // An explicit delimiter wins over the name.
    let opts = CsvOptions {
        delimiter: Some(b'\t'),
        ..CsvOptions::default()
    };
    let (names, _) = read_all(&path, &opts);
    assert_eq!(names, vec!["a", "b,c"]);
}

#[test]
fn quoted_fields_with_delimiters_quotes_and_newlines() {
    let text = b"id,text\n1,\"a,b\"\n2,\"line one\nline two\"\n3,\"say \"\"hi\"\"\"\n";
    let (_, rows) = read_str("q.csv", text, &CsvOptions::default()).expect("read");
    assert_eq!(
        rows,
        vec![
            vec!["1", "a,b"],
            vec!["2", "line one\nline two"],
            vec!["3", "say \"hi\""],
        ]
    );
}

#[test]
fn header_only_yields_no_batches() {
    let reader = CsvReader::from_reader(
        "h.csv",
        Box::new(std::io::Cursor::new(b"a,b,c\n".to_vec())),
        &CsvOptions::default(),
    )
    .expect("open");
    assert_eq!(reader.schema().fields().len(), 3);
    let mut reader = reader;
    assert!(reader.next().is_none());
    assert!(reader.next().is_none());
    assert_eq!(reader.rows_read(), 0);
}

#[test]
fn without_header_columns_are_numbered() {
    let opts = CsvOptions {
        has_header: false,
        batch_size: 1,
        ..CsvOptions::default()
    };
    let (names, rows) = read_str("n.csv", b"x,y\n1,2\n", &opts).expect("read");
    assert_eq!(names, vec!["c1", "c2"]);
    assert_eq!(rows, vec![vec!["x", "y"], vec!["1", "2"]]);
}

#[test]
fn batches_split_at_batch_size_and_count_rows() {
    let mut text = b"k\n".to_vec();
    for i in 0..10 {
        text.extend_from_slice(format!("{i}\n").as_bytes());
    }
    let opts = CsvOptions {
        batch_size: 3,
        ..CsvOptions::default()
    };
    let mut reader =
        CsvReader::from_reader("b.csv", Box::new(std::io::Cursor::new(text)), &opts).expect("open");
    let mut sizes = Vec::new();
    for batch in reader.by_ref() {
        sizes.push(batch.expect("batch").num_rows());
    }
    assert_eq!(sizes, vec![3, 3, 3, 1]);
    assert_eq!(reader.rows_read(), 10);
}

#[test]
fn empty_fields_are_empty_strings_not_nulls() {
    let (_, batches) = {
        let dir = TempDir::new();
        let path = dir.write("e.csv", b"a,b\n,x\n\"\",\n");
        read_all(&path, &CsvOptions::default())
    };
    let batch = &batches[0];
    for col in batch.columns() {
        assert_eq!(col.data_type(), &DataType::Utf8);
        assert_eq!(col.null_count(), 0);
    }
    assert!(!batch.schema().field(0).is_nullable());
    assert_eq!(rows_of(&batches), vec![vec!["", "x"], vec!["", ""]]);
}

#[test]
fn crlf_line_ends_and_bom() {
    let (names, rows) = read_str(
        "w.csv",
        b"\xEF\xBB\xBFa,b\r\n1,2\r\n3,4\r\n",
        &CsvOptions::default(),
    )
    .expect("read");
    assert_eq!(names, vec!["a", "b"]);
    assert_eq!(rows, vec![vec!["1", "2"], vec!["3", "4"]]);
}

#[test]
fn progress_reaches_the_compressed_size() {
    let dir = TempDir::new();
    let path = dir.path("p.csv.gz");
    write_csv(&small_params(), &path).expect("write");
    let size = std::fs::metadata(&path).expect("stat").len();
    let reader = CsvReader::open(&path, &CsvOptions::default()).expect("open");
    let progress = reader.progress();
    assert_eq!(progress.total_bytes(), Some(size));
    let mut rows = 0;
    for batch in reader {
        rows += batch.expect("batch").num_rows();
    }
    assert_eq!(rows, 5_000);
    assert_eq!(progress.bytes_read(), size);
    assert_eq!(progress.fraction(), Some(1.0));
}

#[test]
fn readers_and_generators_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<CsvReader>();
    assert_send::<Generator>();
    assert_send::<cardrank_io::Progress>();
    assert_send::<cardrank_io::Error>();
}

/// The Arrow memory (buffer capacities) of every batch of a CSV text.
fn batch_memory(text: String, opts: &CsvOptions) -> (usize, usize) {
    let reader =
        CsvReader::from_reader("wide.csv", Box::new(std::io::Cursor::new(text)), opts).unwrap();
    let batches: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
    let rows = batches.iter().map(|b| b.num_rows()).sum();
    let bytes = batches.iter().map(|b| b.get_array_memory_size()).max();
    (rows, bytes.unwrap_or(0))
}

#[test]
fn wide_files_reserve_what_their_batches_can_hold() {
    // 2,000 columns x 3 rows: 36 KB of text. Each column used to reserve a
    // full batch of rows (65,536 offsets and 512 KB of text): 1.5 GB.
    let names: Vec<String> = (0..2_000).map(|i| format!("c{i}")).collect();
    let mut text = names.join(",") + "\n";
    for r in 0..3 {
        let row: Vec<String> = (0..2_000).map(|i| format!("v{}", (i + r) % 7)).collect();
        text += &(row.join(",") + "\n");
    }
    let (rows, bytes) = batch_memory(text, &CsvOptions::default());
    assert_eq!(rows, 3);
    assert!(bytes < 32 << 20, "{bytes} bytes of batch for 3 rows");
    // Empty fields fill a batch too: 2,000 empty columns x 20,000 rows stay
    // within a few batch budgets (offsets are counted), not 65,536 rows.
    let mut text = names.join(",") + "\n";
    let empty = ",".repeat(1_999) + "\n";
    for _ in 0..20_000 {
        text += &empty;
    }
    let (rows, bytes) = batch_memory(text, &CsvOptions::default());
    assert_eq!(rows, 20_000);
    assert!(bytes < 32 << 20, "{bytes} bytes of batch");
}
