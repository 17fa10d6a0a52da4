//! Reading the inputs into a ranker: one plain CSV/TSV file in parallel byte
//! ranges when it allows (a state per range, merged in file order: the same
//! counts as one reader, see [`cardrank_io::split`]), anything else by one
//! reader on its own thread while this one ranks.
//!
//! The caller watches through a [`Watch`]: the CLI draws a progress bar,
//! the Python binding checks for Ctrl-C.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use cardrank::arrow_array::RecordBatch;
use cardrank::Ranker;
use cardrank_io::split::{CsvSplit, SplitError, SplitRun, SplitSize};
use cardrank_io::{Progress, ReadOptions, Transforms};

use crate::error::{Error, Result};

/// The caller asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// What the caller sees of a read, and how it stops one.
pub trait Watch: Sync {
    /// A source starts (its byte and row counts, for a progress bar).
    fn start(&self, _progress: &Progress) {}
    /// After each batch ranked, on any thread: `rows` read from this
    /// source so far (for a progress bar).
    fn progress(&self, _rows: u64) {}
    /// After each batch ranked by one reader, on the calling thread. `Err`
    /// stops the read (the batches before stay counted).
    fn batch(&self) -> std::result::Result<(), Stop> {
        Ok(())
    }
    /// About every 50 ms on the calling thread while byte ranges are read
    /// in parallel. `Err` stops every range: nothing of the file is counted.
    fn wait(&self) -> std::result::Result<(), Stop> {
        Ok(())
    }
    /// The source is done (or failed).
    fn done(&self) {}
}

/// A [`Watch`] that sees nothing and never stops.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unwatched;

impl Watch for Unwatched {}

/// How the inputs were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// In this many parallel byte ranges.
    Ranges(usize),
    /// By one reader, and why.
    OneReader(String),
}

/// What a read did: the reader's counts and report, and how it read.
#[derive(Debug, Clone)]
pub struct Read {
    /// Bytes and rows read, rows skipped, the input report.
    pub progress: Progress,
    /// Ranges or one reader.
    pub how: How,
}

/// Files with more columns than this are read by one reader: on 2,000
/// columns x 200,000 rows parallel ranges took 48 s and 1.65 GB against
/// 27 s and 0.74 GB for one reader (BENCHMARKS.md, wide data).
pub const WIDE_COLUMNS: usize = 512;

/// How often the calling thread looks at the watch while ranges are read.
const POLL: Duration = Duration::from_millis(50);

/// Reads every row of `inputs` into `ranker`: in parallel byte ranges when
/// `split` allows it and the input is one plain CSV/TSV file (never with a
/// `max_distinct` budget, whose folding depends on the order of the rows),
/// else by one reader.
pub fn read_into(
    ranker: &mut Ranker,
    inputs: &[PathBuf],
    read: &ReadOptions,
    transforms: &Transforms,
    split: bool,
    watch: &dyn Watch,
) -> Result<Read> {
    let why = if !split {
        "this pass reads with one reader".to_string()
    } else if ranker.params().max_distinct.is_some() {
        "max_distinct folds in the order of the rows".to_string()
    } else {
        match read_ranges(ranker, inputs, read, transforms, watch)? {
            Ok(read) => return Ok(read),
            Err(why) => why,
        }
    };
    let source = cardrank_io::open_with(inputs, read, transforms)?;
    let progress = source.progress();
    watch.start(&progress);
    let done = each_batch(source, watch, |batch| -> Result<()> {
        Ok(ranker.update(batch)?)
    });
    watch.done();
    done?;
    Ok(Read {
        progress,
        how: How::OneReader(why),
    })
}

/// The ranged read; `Ok(Err(why))` when the file is to be read by one
/// reader, with nothing counted.
fn read_ranges(
    ranker: &mut Ranker,
    inputs: &[PathBuf],
    read: &ReadOptions,
    transforms: &Transforms,
    watch: &dyn Watch,
) -> Result<std::result::Result<Read, String>> {
    let size = SplitSize::from_env()?;
    let split = match ranker.install(|| CsvSplit::plan(inputs, read, transforms, size)) {
        Ok(split) => split,
        Err(why) => return Ok(Err(why.to_string())),
    };
    let columns = split.schema().fields().len();
    if columns > WIDE_COLUMNS {
        // Every range keeps a state of every column, merged at the end: on
        // a wide file that costs more memory and time than it saves.
        return Ok(Err(format!(
            "{columns} columns: ranges would each keep a state of every column"
        )));
    }
    let progress = split.progress();
    watch.start(&progress);
    let stop = AtomicBool::new(false);
    let me = &*ranker;
    let (run, stopped) = std::thread::scope(|s| {
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let (split, stop, progress) = (&split, &stop, &progress);
        let worker = s.spawn(move || {
            let run = me.install(|| {
                split.run(
                    || me.sibling(),
                    |r, batch| {
                        if stop.load(Ordering::Relaxed) {
                            return Err(Error::Interrupted);
                        }
                        r.update(batch)?;
                        watch.progress(progress.rows_read());
                        Ok(())
                    },
                    |left: Ranker, right| Ok(left.join(right)?),
                )
            });
            let _ = done_tx.send(());
            run
        });
        let mut stopped = false;
        while let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(POLL) {
            if !stopped && watch.wait().is_err() {
                stop.store(true, Ordering::Relaxed);
                stopped = true;
            }
        }
        let run = worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (run, stopped)
    });
    watch.done();
    if stopped {
        return Err(Error::Interrupted);
    }
    let merged = match run {
        Ok(SplitRun::Done(merged)) => merged,
        Ok(SplitRun::Fallback(why)) => return Ok(Err(format!("after all: {why}"))),
        Err(SplitError::Read(e)) => return Err(e.into()),
        Err(SplitError::Sink(e)) => return Err(e),
    };
    // A ranker that saw nothing becomes the file's (a sibling: the same
    // parameters and pool), without a copy.
    if ranker.state().features().is_empty() {
        *ranker = merged;
    } else {
        ranker.merge_state(merged.state())?;
    }
    Ok(Ok(Read {
        progress,
        how: How::Ranges(split.ranges()),
    }))
}

/// Reads batches on a second thread while this one hands each to `f`,
/// telling the watch after each.
pub fn each_batch<I, E>(
    reader: I,
    watch: &dyn Watch,
    mut f: impl FnMut(&RecordBatch) -> std::result::Result<(), E>,
) -> std::result::Result<(), E>
where
    I: Iterator<Item = cardrank_io::Result<RecordBatch>> + Send,
    E: From<Error>,
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
            let batch = item.map_err(|e| E::from(Error::Input(e)))?;
            rows += batch.num_rows() as u64;
            f(&batch)?;
            watch.progress(rows);
            watch.batch().map_err(|Stop| E::from(Error::Interrupted))?;
        }
        Ok(())
    })
}
