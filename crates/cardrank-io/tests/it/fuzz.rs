//! Property-based fuzzing of the text parsers: whatever the bytes, reading
//! ends in batches or one error, never a panic, and every batch is well
//! formed.
//!
//! The normal test run tries 128 inputs per property. A long run, by hand:
//!
//! ```sh
//! CARDRANK_FUZZ_CASES=200000 cargo test --release -p cardrank-io --test it fuzz
//! ```

use std::io::Cursor;

use cardrank_io::{open_reader, CsvOptions, Format, Projection, ReadOptions};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("CARDRANK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128)
}

/// Bytes that look like CSV or VW text, with the characters that matter to
/// their parsers over-represented.
fn texty(alphabet: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(alphabet),
            1 => any::<u8>(),
        ],
        0..600,
    )
}

/// Reads everything; checks batches are consistent with the schema.
fn read_all(bytes: Vec<u8>, format: Format, skip: bool, target: Option<&str>, batch_size: usize) {
    let opts = ReadOptions {
        format: Some(format),
        csv: CsvOptions {
            batch_size,
            skip_bad_rows: skip,
            ..CsvOptions::default()
        },
        columns: Projection {
            target: target.map(String::from),
            ..Projection::all()
        },
        ..ReadOptions::default()
    };
    let Ok(source) = open_reader("fuzz", Box::new(Cursor::new(bytes)), None, &opts) else {
        return;
    };
    let schema = source.schema();
    for batch in source {
        match batch {
            Ok(b) => {
                assert_eq!(b.num_columns(), schema.fields().len());
                assert!(b.num_rows() <= batch_size);
                let _ = b.get_array_memory_size();
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.contains('\n'), "multi-line error: {msg}");
                break;
            }
        }
    }
}

/// A valid Arrow IPC stream (`arrows`) or file of 40 rows, written once.
fn ipc_seed(ext: &str) -> Vec<u8> {
    let dir = tempfile::Builder::new()
        .prefix("cardrank-io-fuzz-")
        .tempdir()
        .unwrap();
    let path = dir.path().join(format!("seed.{ext}"));
    let params = cardrank_io::GenParams {
        rows: 40,
        columns: 15,
        ..cardrank_io::GenParams::default()
    };
    cardrank_io::write_data(&params, &path).unwrap();
    std::fs::read(&path).unwrap()
}

static IPC_SEEDS: std::sync::OnceLock<[Vec<u8>; 2]> = std::sync::OnceLock::new();

/// Overwrites bytes of `data` with `edits` (at, value, width): one byte, or
/// a 32-bit or 64-bit integer of all ones below the sign bit.
fn mutate(mut data: Vec<u8>, edits: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    for (at, value, width) in edits {
        let i = at.index(data.len());
        match width % 3 {
            0 => data[i] = *value,
            1 => {
                let end = (i + 4).min(data.len());
                data[i..end].copy_from_slice(&i32::MAX.to_le_bytes()[..end - i]);
            }
            _ => {
                let end = (i + 8).min(data.len());
                data[i..end].copy_from_slice(&(1i64 << 47).to_le_bytes()[..end - i]);
            }
        }
    }
    data
}

const CSV_CHARS: &[u8] = b"ab,,\"\"\n\r\t1 \xc3\xa9\xff";
const VW_CHARS: &[u8] = b"1-0.5 |||a b:c:2' \n\n\t\r\xc3\xa9\xffx";

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn csv_never_panics(bytes in texty(CSV_CHARS), skip in any::<bool>(), bs in 1usize..8) {
        read_all(bytes.clone(), Format::Csv, skip, None, bs);
        read_all(bytes, Format::Tsv, skip, Some("a"), bs);
    }

    #[test]
    fn vw_never_panics(bytes in texty(VW_CHARS), skip in any::<bool>(), bs in 1usize..8) {
        read_all(bytes.clone(), Format::Vw, skip, None, bs);
        read_all(bytes, Format::Vw, skip, Some("a"), bs);
    }

    #[test]
    fn compressed_garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300), gz in any::<bool>()) {
        let mut framed = if gz { vec![0x1f, 0x8b] } else { vec![0x28, 0xb5, 0x2f, 0xfd] };
        framed.extend(bytes);
        read_all(framed.clone(), Format::Csv, false, None, 4);
        read_all(framed, Format::Vw, true, None, 4);
    }

    /// Mutated Arrow IPC streams and files (read as streams, without random
    /// access): batches or one error, never a panic or an allocation of
    /// what a length claims.
    #[test]
    fn mutated_ipc_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>()), 1..4),
        file in any::<bool>(),
    ) {
        let seeds = IPC_SEEDS.get_or_init(|| [ipc_seed("arrows"), ipc_seed("arrow")]);
        let data = mutate(seeds[usize::from(file)].clone(), &edits);
        read_all(data, Format::Ipc, false, None, 1 << 16);
    }

    #[test]
    fn well_formed_vw_reads_every_line(
        lines in prop::collection::vec(
            (prop::sample::select(&["1", "-1", "0.5"][..]),
             prop::collection::vec((prop::sample::select(&["a", "b", "c"][..]),
                                    prop::collection::vec("[a-z0-9]{1,3}(:[0-9]{1,2})?", 0..4)), 1..4)),
            1..20)
    ) {
        let mut text = String::new();
        for (label, spaces) in &lines {
            text.push_str(label);
            for (ns, feats) in spaces {
                text.push_str(&format!(" |{ns} {}", feats.join(" ")));
            }
            text.push('\n');
        }
        let opts = ReadOptions { format: Some(Format::Vw), ..ReadOptions::default() };
        let source = open_reader("vw", Box::new(Cursor::new(text.into_bytes())), None, &opts).unwrap();
        let rows: usize = source.map(|b| b.unwrap().num_rows()).sum();
        prop_assert_eq!(rows, lines.len());
    }
}
