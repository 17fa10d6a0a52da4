//! Writing the synthetic click log in every format the readers take, so
//! that benchmarks and the cross-format tests read the same data as CSV,
//! TSV, Parquet, Arrow IPC and Vowpal Wabbit.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::RecordBatch;

use crate::error::{Error, Result};
use crate::format::Format;
use crate::generate::{write_csv, GenParams, Generator, GroundTruth};

/// Writes the synthetic click log to `path` in the format its name says
/// (see [`Format::from_name`]; `.gz`/`.zst` compress the text formats):
///
/// - CSV/TSV: a header, then one row per line; missing values are empty;
/// - Parquet: snappy-compressed, row groups of 1,048,576 rows, every column
///   `Utf8`;
/// - Arrow IPC: an IPC file (`.arrow`, `.feather`, `.ipc`) or stream
///   (`.arrows`), uncompressed;
/// - VW: `click |column value |column value ...`, one namespace per column,
///   a missing value leaving its namespace out.
///
/// # Example
/// ```
/// use cardrank_io::{write_data, GenParams};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = std::env::temp_dir().join(format!("cardrank-write-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let params = GenParams { rows: 100, columns: 16, ..GenParams::default() };
/// let truth = write_data(&params, &dir.join("clicks.vw"))?;
/// let text = std::fs::read_to_string(dir.join("clicks.vw"))?;
/// assert_eq!(text.lines().count(), 100);
/// assert!(text.contains(" |inf_c2 "), "{}", truth.target);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
pub fn write_data(params: &GenParams, path: &Path) -> Result<GroundTruth> {
    let format = Format::from_name(path).unwrap_or(Format::Csv);
    let name = path.display().to_string();
    let werr = |e: &dyn std::fmt::Display| Error::Write {
        path: name.clone(),
        source: std::io::Error::other(e.to_string()),
    };
    match format {
        Format::Csv => write_csv(params, path),
        Format::Tsv | Format::Vw => {
            let gen = Generator::new(params)?;
            let truth = gen.truth();
            let file = File::create(path).map_err(|e| werr(&e))?;
            let mut out = compressed(BufWriter::with_capacity(1 << 20, file), &name)?;
            if format == Format::Tsv {
                write_tsv(gen, &mut out).map_err(|e| werr(&e))?;
            } else {
                write_vw(gen, &truth.target, &mut out).map_err(|e| werr(&e))?;
            }
            out.finish().map_err(|e| werr(&e))?;
            Ok(truth)
        }
        Format::Parquet => {
            use ::parquet::arrow::ArrowWriter;
            use ::parquet::basic::Compression;
            use ::parquet::file::properties::WriterProperties;
            let gen = Generator::new(params)?;
            let truth = gen.truth();
            let file = File::create(path).map_err(|e| werr(&e))?;
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(1 << 20))
                .build();
            let mut w =
                ArrowWriter::try_new(file, gen.schema(), Some(props)).map_err(|e| werr(&e))?;
            for batch in gen {
                w.write(&batch).map_err(|e| werr(&e))?;
            }
            w.close().map_err(|e| werr(&e))?;
            Ok(truth)
        }
        Format::Ipc => {
            let gen = Generator::new(params)?;
            let truth = gen.truth();
            let file = BufWriter::new(File::create(path).map_err(|e| werr(&e))?);
            let schema = gen.schema();
            if name.to_ascii_lowercase().ends_with(".arrows") {
                let mut w = arrow_ipc::writer::StreamWriter::try_new(file, &schema)
                    .map_err(|e| werr(&e))?;
                for batch in gen {
                    w.write(&batch).map_err(|e| werr(&e))?;
                }
                w.finish().map_err(|e| werr(&e))?;
            } else {
                let mut w =
                    arrow_ipc::writer::FileWriter::try_new(file, &schema).map_err(|e| werr(&e))?;
                for batch in gen {
                    w.write(&batch).map_err(|e| werr(&e))?;
                }
                w.finish().map_err(|e| werr(&e))?;
            }
            Ok(truth)
        }
    }
}

/// A text sink, plain or compressed by the name's extension.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

fn compressed(file: BufWriter<File>, name: &str) -> Result<Sink> {
    let lower = name.to_ascii_lowercase();
    Ok(if lower.ends_with(".gz") || lower.ends_with(".gzip") {
        Sink::Gzip(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
        Sink::Zstd(zstd::Encoder::new(file, 3).map_err(|source| Error::Write {
            path: name.to_string(),
            source,
        })?)
    } else {
        Sink::Plain(file)
    })
}

impl Sink {
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(mut f) => f.flush(),
            Sink::Gzip(e) => e.finish()?.flush(),
            Sink::Zstd(e) => e.finish()?.flush(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(f) => f.write(buf),
            Sink::Gzip(e) => e.write(buf),
            Sink::Zstd(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(f) => f.flush(),
            Sink::Gzip(e) => e.flush(),
            Sink::Zstd(e) => e.flush(),
        }
    }
}

fn write_tsv(gen: Generator, out: &mut dyn Write) -> std::io::Result<()> {
    let schema = gen.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    writeln!(out, "{}", names.join("\t"))?;
    let mut line = Vec::with_capacity(1024);
    for batch in gen {
        let cols: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| c.as_string::<i32>())
            .collect();
        for r in 0..batch.num_rows() {
            line.clear();
            for (j, c) in cols.iter().enumerate() {
                if j > 0 {
                    line.push(b'\t');
                }
                line.extend_from_slice(c.value(r).as_bytes());
            }
            line.push(b'\n');
            out.write_all(&line)?;
        }
    }
    Ok(())
}

/// One VW line per row: the target as the label, every other column as a
/// namespace of its own holding one feature, its value; characters VW
/// reserves (space, `|`, `:`) in a value become `_`.
fn write_vw(gen: Generator, target: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let schema = gen.schema();
    let t = schema
        .fields()
        .iter()
        .position(|f| f.name() == target)
        .unwrap_or(0);
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut line = Vec::with_capacity(1024);
    for batch in gen {
        write_vw_batch(&batch, t, &names, &mut line, out)?;
    }
    Ok(())
}

fn write_vw_batch(
    batch: &RecordBatch,
    t: usize,
    names: &[String],
    line: &mut Vec<u8>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let cols: Vec<_> = batch
        .columns()
        .iter()
        .map(|c| c.as_string::<i32>())
        .collect();
    let clean = |b: u8| match b {
        b' ' | b'\t' | b'|' | b':' => b'_',
        b => b,
    };
    for r in 0..batch.num_rows() {
        line.clear();
        line.extend(cols[t].value(r).bytes().map(clean));
        for (j, c) in cols.iter().enumerate() {
            let v = c.value(r);
            if j == t || v.is_empty() {
                continue;
            }
            line.extend_from_slice(b" |");
            line.extend_from_slice(names[j].as_bytes());
            line.push(b' ');
            line.extend(v.bytes().map(clean));
        }
        line.push(b'\n');
        out.write_all(line)?;
    }
    Ok(())
}
