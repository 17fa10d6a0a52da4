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

use arrow_schema::DataType;
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
    /// After each batch (or group of batches) ranked, on any thread:
    /// `rows` read from this source so far (for a progress bar).
    fn progress(&self, _rows: u64) {}
    /// After each group of batches ranked by one reader (at least
    /// [`GROUP_ROWS`] rows, or what is left), on the calling thread. `Err`
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
    let done = each_group(
        source,
        watch,
        GROUP_ROWS,
        GROUP_BYTES,
        |group| -> Result<()> { Ok(ranker.update_all(group)?) },
    );
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

/// Rows a ranker is given at once by one reader ([`Ranker::update_all`]
/// codes each column through a group in one go): a source of small batches
/// (an IPC file written in chunks of a few thousand rows) passes about as
/// fast as one of whole batches. It is the CSV reader's batch size in rows.
pub const GROUP_ROWS: usize = 65_536;

/// Arrow bytes at which a group is closed whatever its rows (16 MiB, four
/// times the CSV reader's cap of a batch's bytes), so memory does not grow
/// with long texts times [`GROUP_ROWS`]. Groups of 4 MiB kept only half of
/// the gain on 2,000-row IPC batches (0.28 s against 0.25 s).
pub const GROUP_BYTES: usize = 4 * cardrank_io::csv::TARGET_BATCH_BYTES;

/// The bytes of `batch`'s own rows. Not `get_array_memory_size`: it
/// counts whole buffers, and an IPC file's batches are slices of one
/// buffer, so each would look as large as the file. A dictionary column
/// counts its keys: its dictionary is shared by every batch of a table.
pub fn slice_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Dictionary(key, _) => c.len() * key.primitive_width().unwrap_or(8),
            _ => c.to_data().get_slice_memory_size().unwrap_or(0),
        })
        .sum()
}

/// Batches gathered for one [`Ranker::update_all`], and the rule that
/// closes them: at `rows` rows (`0`: each batch alone), at `bytes` of the
/// batches' own Arrow data ([`slice_bytes`]), or after a batch of more than
/// [`WIDE_COLUMNS`] columns. A wide source's batches are few rows each
/// already (the CSV reader caps their bytes), and grouping them to 65,536
/// rows took a CSV file of 2,000 columns x 200,000 rows from 0.74-0.90 GB
/// to 2.97 GB at its peak (BENCHMARKS.md, files of small batches).
#[derive(Debug)]
pub struct Group {
    max_rows: usize,
    max_bytes: usize,
    batches: Vec<RecordBatch>,
    rows: usize,
    bytes: usize,
    full: bool,
}

impl Group {
    /// An empty group closed at `rows` rows or `bytes` bytes.
    pub fn new(rows: usize, bytes: usize) -> Group {
        Group {
            max_rows: rows.max(1),
            max_bytes: bytes,
            batches: Vec::new(),
            rows: 0,
            bytes: 0,
            full: false,
        }
    }

    /// Adds a batch (its bytes are counted only while neither the rows nor
    /// the width closed the group).
    pub fn push(&mut self, batch: RecordBatch) {
        self.rows += batch.num_rows();
        self.full = self.rows >= self.max_rows || batch.num_columns() > WIDE_COLUMNS || {
            self.bytes += slice_bytes(&batch);
            self.bytes >= self.max_bytes
        };
        self.batches.push(batch);
    }

    /// Whether the group is closed.
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// The batches so far.
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// Their rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Empties the group for the next.
    pub fn clear(&mut self) {
        self.batches.clear();
        (self.rows, self.bytes, self.full) = (0, 0, false);
    }
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
    each_group(reader, watch, 0, 0, |group| {
        group.iter().try_for_each(&mut f)
    })
}

/// Reads batches on a second thread while this one hands them to `f` in
/// groups closed at `rows` rows or `bytes` bytes (a [`Group`]; the last
/// may hold less; `0` rows gives each batch alone), telling the watch
/// after each group. A read
/// error after some batches of a group still gives those to `f` first.
pub fn each_group<I, E>(
    reader: I,
    watch: &dyn Watch,
    rows: usize,
    bytes: usize,
    mut f: impl FnMut(&[RecordBatch]) -> std::result::Result<(), E>,
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
        let (mut read, mut group) = (0u64, Group::new(rows, bytes));
        let mut items = rx.into_iter();
        let mut end = false;
        while !end {
            let mut failed = None;
            while !group.is_full() {
                match items.next() {
                    Some(Ok(batch)) => group.push(batch),
                    Some(Err(e)) => {
                        failed = Some(e);
                        break;
                    }
                    None => {
                        end = true;
                        break;
                    }
                }
            }
            if !group.batches().is_empty() {
                f(group.batches())?;
                read += group.rows() as u64;
                watch.progress(read);
                group.clear();
            }
            if let Some(e) = failed {
                return Err(E::from(Error::Input(e)));
            }
            if !end {
                watch.batch().map_err(|Stop| E::from(Error::Interrupted))?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use cardrank::{RankParams, Ranker};

    use super::*;

    fn batches(sizes: &[usize]) -> Vec<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, false),
            Field::new("y", DataType::Int64, false),
        ]));
        let mut start = 0i64;
        sizes
            .iter()
            .map(|&n| {
                let rows = start..start + n as i64;
                start += n as i64;
                let a = Int64Array::from_iter_values(rows.clone().map(|i| i * 7919 % 97));
                let y = Int64Array::from_iter_values(rows.map(|i| (i * 31 % 13) % 2));
                RecordBatch::try_new(schema.clone(), vec![Arc::new(a), Arc::new(y)]).unwrap()
            })
            .collect()
    }

    fn source(
        batches: &[RecordBatch],
        fail_after: Option<usize>,
    ) -> impl Iterator<Item = cardrank_io::Result<RecordBatch>> + Send {
        let mut items: Vec<_> = batches.iter().cloned().map(Ok).collect();
        if let Some(at) = fail_after {
            items.truncate(at);
            items.push(Err(cardrank_io::Error::Empty {
                path: "broken".into(),
            }));
        }
        items.into_iter()
    }

    /// The number of batches in each group `each_group` gives, and how it
    /// ended.
    fn group_lengths(
        all: &[RecordBatch],
        fail_after: Option<usize>,
        watch: &dyn Watch,
        rows: usize,
        bytes: usize,
    ) -> (Result<()>, Vec<usize>) {
        let mut lengths = Vec::new();
        let done = each_group(
            source(all, fail_after),
            watch,
            rows,
            bytes,
            |g| -> Result<()> {
                lengths.push(g.len());
                Ok(())
            },
        );
        (done, lengths)
    }

    #[test]
    fn groups_hold_at_least_their_rows_and_rank_as_each_batch() {
        let all = batches(&[300, 0, 700, 1_000, 50, 999, 1]);
        let mut sizes = Vec::new();
        let mut grouped = Ranker::new(RankParams::new("y")).unwrap();
        each_group(
            source(&all, None),
            &Unwatched,
            1_000,
            usize::MAX,
            |g| -> Result<()> {
                sizes.push(g.iter().map(|b| b.num_rows()).sum::<usize>());
                Ok(grouped.update_all(g)?)
            },
        )
        .unwrap();
        assert_eq!(sizes, [1_000, 1_000, 1_049, 1]);
        let mut one = Ranker::new(RankParams::new("y")).unwrap();
        let mut seen = 0;
        each_batch(source(&all, None), &Unwatched, |b| -> Result<()> {
            seen += 1;
            Ok(one.update(b)?)
        })
        .unwrap();
        assert_eq!(seen, all.len());
        assert_eq!(grouped.state().to_bytes(), one.state().to_bytes());
    }

    #[test]
    fn wide_sources_are_not_grouped() {
        use arrow_array::ArrayRef;
        let of_width = |columns: usize| {
            let col: ArrayRef = Arc::new(Int64Array::from_iter_values(0..10));
            RecordBatch::try_from_iter((0..columns).map(|i| (format!("c{i}"), col.clone())))
                .unwrap()
        };
        let mut narrow = Group::new(GROUP_ROWS, usize::MAX);
        narrow.push(of_width(WIDE_COLUMNS));
        assert!(!narrow.is_full());
        let mut wide = Group::new(GROUP_ROWS, usize::MAX);
        wide.push(of_width(WIDE_COLUMNS + 1));
        assert!(wide.is_full());
        // Zero rows: each batch alone.
        let all = batches(&[10, 20, 30]);
        let (done, lengths) = group_lengths(&all, None, &Unwatched, 0, usize::MAX);
        assert!(done.is_ok());
        assert_eq!(lengths, [1, 1, 1]);
    }

    #[test]
    fn a_group_closes_at_its_bytes_whatever_its_rows() {
        // Batches of long texts are not piled up to GROUP_ROWS rows:
        // memory would grow with the texts' length.
        let all = batches(&[100; 7]);
        let one = slice_bytes(&all[0]);
        let (done, sizes) = group_lengths(&all, None, &Unwatched, 1_000_000, 2 * one);
        assert!(done.is_ok());
        assert_eq!(sizes, [2, 2, 2, 1]);
    }

    #[test]
    fn a_batch_counts_the_bytes_of_its_own_rows() {
        use arrow_array::types::Int32Type;
        use arrow_array::{ArrayRef, DictionaryArray, StringArray};
        let whole = batches(&[1_000]).remove(0);
        let part = whole.slice(100, 10);
        // Two Int64 columns: 16 bytes a row, however large the buffer.
        assert_eq!(slice_bytes(&part), 160);
        assert!(part.get_array_memory_size() >= 16_000);
        let values: Vec<String> = (0..10_000).map(|i| format!("value-{i}")).collect();
        let dict = StringArray::from_iter_values(values);
        let keys = arrow_array::Int32Array::from_iter_values((0..100).map(|i| i * 7));
        let col = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(dict)).unwrap();
        let b = RecordBatch::try_from_iter([("d", Arc::new(col) as ArrayRef)]).unwrap();
        assert_eq!(slice_bytes(&b), 400);
    }

    #[test]
    fn a_read_error_comes_after_the_batches_before_it() {
        let all = batches(&[10, 20, 30, 40]);
        let (done, given) = group_lengths(&all, Some(3), &Unwatched, 1_000, usize::MAX);
        assert!(matches!(done, Err(Error::Input(_))));
        assert_eq!(given, [3]);
    }

    #[test]
    fn a_stop_ends_the_read_between_groups() {
        struct StopAtOnce;
        impl Watch for StopAtOnce {
            fn batch(&self) -> std::result::Result<(), Stop> {
                Err(Stop)
            }
        }
        let all = batches(&[10, 20, 30, 40]);
        let (done, given) = group_lengths(&all, None, &StopAtOnce, 25, usize::MAX);
        assert!(matches!(done, Err(Error::Interrupted)));
        assert_eq!(given, [2]);
        // The whole source in one group: nothing is left to stop.
        let (done, given) = group_lengths(&all, None, &StopAtOnce, 1_000, usize::MAX);
        assert!(done.is_ok());
        assert_eq!(given, [4]);
    }
}
