//! `cardrank rank`: stream a file through the ranker.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cardrank::arrow_array::RecordBatch;
use cardrank::{Ranker, Ranking};
use cardrank_io::{CsvOptions, CsvReader, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::CliError;
use crate::output::{self, Meta};
use crate::RankOptions;

/// Parses `--delimiter`: one ASCII character, or `\t` / `tab`.
pub fn parse_delimiter(d: &str) -> Result<u8, CliError> {
    match d {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        s => Err(CliError::Usage(format!(
            "invalid --delimiter `{s}`: expected one ASCII character or `\\t`"
        ))),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    file: &Path,
    target: &str,
    delimiter: Option<&str>,
    missing: &[String],
    features: Option<Vec<String>>,
    exclude: Vec<String>,
    batch_size: usize,
    opts: &RankOptions,
) -> Result<(), CliError> {
    let start = Instant::now();
    let mut params = crate::params(target, missing, opts)?;
    if let Some(f) = features {
        params = params.features(&f);
    }
    params = params.exclude(&exclude);
    let mut ranker = Ranker::new(params)?;
    let csv_opts = CsvOptions {
        delimiter: delimiter.map(parse_delimiter).transpose()?,
        batch_size,
        ..CsvOptions::default()
    };
    let reader = CsvReader::open(file, &csv_opts)?;
    let bar = progress_bar(&reader.progress(), opts.quiet);
    consume(reader, &mut ranker, &bar)?;
    bar.finish_and_clear();
    let ranking = ranker.finish()?;
    let meta = Meta {
        source: file.display().to_string(),
        seconds: start.elapsed().as_secs_f64(),
    };
    output::emit(&ranking, &meta, opts, None)
}

/// Reads batches on a second thread while this one ranks them.
pub fn consume<I>(reader: I, ranker: &mut Ranker, bar: &ProgressBar) -> Result<(), CliError>
where
    I: Iterator<Item = cardrank_io::Result<RecordBatch>> + Send,
{
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<cardrank_io::Result<RecordBatch>>(2);
        s.spawn(move || {
            for item in reader {
                let stop = item.is_err();
                if tx.send(item).is_err() || stop {
                    break;
                }
            }
        });
        let mut rows = 0u64;
        for item in rx {
            let batch = item?;
            rows += batch.num_rows() as u64;
            ranker.update(&batch)?;
            bar.set_message(format!("{rows} rows"));
            bar.tick();
        }
        Ok(())
    })
}

/// A byte-based progress bar on stderr; hidden when stderr is not a terminal
/// or with `--quiet`.
pub fn progress_bar(progress: &Progress, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    }
    let bar = match progress.total_bytes() {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner(),
    };
    let p = progress.clone();
    let b = bar.clone();
    // Polls the reader's byte count so the bar moves between batches too.
    std::thread::spawn(move || {
        while !b.is_finished() {
            b.set_position(p.bytes_read());
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    bar
}

/// Ranks in-memory batches (used by the demo).
pub fn rank_batches<I>(batches: I, ranker: &mut Ranker) -> Result<Ranking, CliError>
where
    I: Iterator<Item = RecordBatch>,
{
    for b in batches {
        ranker.update(&b)?;
    }
    Ok(ranker.finish()?)
}
