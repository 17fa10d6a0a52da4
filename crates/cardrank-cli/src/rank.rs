//! `cardrank rank`: stream a file through the ranker.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cardrank::arrow_array::RecordBatch;
use cardrank::{Ranker, Ranking};
use cardrank_io::split::{CsvSplit, SplitError, SplitRun, SplitSize, SPLIT_BYTES_ENV};
use cardrank_io::{Progress, ReadOptions, Transforms};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::CliError;
use crate::input::{self, InputArgs, InputJson};
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
    files: &[PathBuf],
    target: &str,
    delimiter: Option<&str>,
    missing: &[String],
    features: Option<Vec<String>>,
    exclude: Vec<String>,
    batch_size: usize,
    input_args: &InputArgs,
    opts: &RankOptions,
) -> Result<(), CliError> {
    let start = Instant::now();
    let mut params = crate::params(target, missing, opts)?;
    if let Some(f) = &features {
        params = params.features(f);
    }
    if let Some(k) = input_args.max_distinct {
        params = params.max_distinct(k);
    }
    // The reader leaves the excluded columns out (and checks they exist),
    // so the ranker is not told about them.
    let mut ranker = Ranker::new(params)?;
    let delimiter = delimiter.map(parse_delimiter).transpose()?;
    let (read, transforms) = input::options(
        input_args, target, delimiter, missing, features, exclude, batch_size,
    )?;
    let progress = match rank_split(files, &read, &transforms, input_args, &mut ranker, opts)? {
        Some(progress) => progress,
        None => {
            let reader = cardrank_io::open_with(files, &read, &transforms)?;
            let progress = reader.progress();
            let bar = progress_bar(&progress, opts.quiet);
            consume(reader, &mut ranker, &bar)?;
            bar.finish_and_clear();
            progress
        }
    };
    let ranking = ranker.finish()?;
    let report = InputJson::new(
        progress.report(),
        input_args.max_distinct,
        cardrank::fold_report(ranker.state()),
    )
    .with_missing_target_rows(ranker.state().missing_target_rows());
    let meta = Meta {
        source: input::source_name(files),
        seconds: start.elapsed().as_secs_f64(),
    };
    output::emit_with_input(&ranking, &meta, opts, None, Some(&report))
}

/// Ranks one plain CSV/TSV file in parallel byte ranges, one ranker per
/// range, merged in file order as ranges finish (see [`cardrank_io::split`]); the ranking is
/// the same as the sequential read's, bit for bit. Returns `None` (nothing
/// counted) when the input is to be read sequentially: any input but one
/// plain CSV/TSV file, transforms, `--skip-bad-rows`, `--max-distinct`
/// (folding depends on the order of the rows), or a cut that cannot be
/// trusted (a quoted line feed across it).
///
/// With `CARDRANK_CSV_SPLIT_BYTES` set (a tuning and test knob), one line on
/// stderr says how the file was read.
fn rank_split(
    files: &[PathBuf],
    read: &ReadOptions,
    transforms: &Transforms,
    input_args: &InputArgs,
    ranker: &mut Ranker,
    opts: &RankOptions,
) -> Result<Option<Progress>, CliError> {
    let size = SplitSize::from_env()?;
    let note = |what: &str| {
        if std::env::var_os(SPLIT_BYTES_ENV).is_some() {
            eprintln!("note: {what}");
        }
    };
    if input_args.max_distinct.is_some() {
        note("read with one reader: --max-distinct folds in the order of the rows");
        return Ok(None);
    }
    let split = match ranker.install(|| CsvSplit::plan(files, read, transforms, size)) {
        Ok(split) => split,
        Err(why) => {
            note(&format!("read with one reader: {why}"));
            return Ok(None);
        }
    };
    let progress = split.progress();
    let bar = progress_bar(&progress, opts.quiet);
    let run = {
        let me = &*ranker;
        me.install(|| {
            split.run(
                || me.sibling(),
                |r, batch| {
                    r.update(batch)?;
                    bar.set_message(format!("{} rows", progress.rows_read()));
                    bar.tick();
                    Ok::<(), cardrank::Error>(())
                },
                Ranker::join,
            )
        })
    };
    bar.finish_and_clear();
    let merged = match run {
        Ok(SplitRun::Done(merged)) => merged,
        Ok(SplitRun::Fallback(why)) => {
            note(&format!("read with one reader after all: {why}"));
            return Ok(None);
        }
        Err(SplitError::Read(e)) => return Err(e.into()),
        Err(SplitError::Sink(e)) => return Err(e.into()),
    };
    note(&format!("read in {} ranges", split.ranges()));
    // A sibling: the same parameters and pool.
    *ranker = merged;
    Ok(Some(progress))
}

/// Reads batches on a second thread while this one ranks them.
pub fn consume<I>(reader: I, ranker: &mut Ranker, bar: &ProgressBar) -> Result<(), CliError>
where
    I: Iterator<Item = cardrank_io::Result<RecordBatch>> + Send,
{
    each_batch(reader, bar, |batch| Ok(ranker.update(batch)?))
}

/// Reads batches on a second thread while this one hands each to `f`.
pub fn each_batch<I>(
    reader: I,
    bar: &ProgressBar,
    mut f: impl FnMut(&RecordBatch) -> Result<(), CliError>,
) -> Result<(), CliError>
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
            f(&batch)?;
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
