//! What a span of consecutive ranges gave, and how two adjacent spans
//! combine (associatively, so rayon can reduce the ranges in a tree while
//! others are still being read).
//!
//! The first thing in file order that is not a clean read decides: an
//! error, or a reason to read sequentially. Line numbers are kept relative
//! to the span's start and resolved when spans before it join.

use super::{Sequential, SplitError};

/// How far an error's line must move once the spans before it are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shift {
    /// By this many lines (the lines of the spans before, within the span).
    By(u64),
    /// To the line where the last record before the span ended: the
    /// sequential reader names a record by the line where the record before
    /// it ended, so an error in the first record of a range is named by a
    /// range before (the header, when none has a record).
    AfterLastRecord,
}

/// The outcome of a span of ranges.
pub(super) enum Part<S, E> {
    /// No range (the identity of [`combine`]).
    Empty,
    /// Every range read; `S` is their merged state.
    Done {
        state: S,
        /// Line feeds in the span.
        lines: u64,
        /// Lines from the span's start to the end of its last record.
        last_end: Option<u64>,
        /// The span ends inside a quoted field (its last range is not the
        /// file's last, and its last record ends with a line feed inside a
        /// field).
        open_quote: bool,
    },
    /// The first error in the span (its line relative to the span).
    Failed { error: SplitError<E>, shift: Shift },
    /// The span cannot be trusted: read the file with one reader.
    Fallback(Sequential),
}

/// Joins a span and the span just after it; `merge` joins their states.
pub(super) fn combine<S, E>(
    left: Part<S, E>,
    right: Part<S, E>,
    merge: impl FnOnce(S, S) -> Result<S, E>,
) -> Part<S, E> {
    let (state, lines, last_end) = match left {
        Part::Empty => return right,
        Part::Failed { .. } | Part::Fallback(_) => return left,
        Part::Done {
            open_quote: true, ..
        } => return Part::Fallback(Sequential::QuoteAcrossCut),
        Part::Done {
            state,
            lines,
            last_end,
            ..
        } => (state, lines, last_end),
    };
    match right {
        Part::Empty => Part::Done {
            state,
            lines,
            last_end,
            open_quote: false,
        },
        Part::Fallback(why) => Part::Fallback(why),
        Part::Failed { error, shift } => Part::Failed {
            error,
            shift: match (shift, last_end) {
                (Shift::By(n), _) => Shift::By(n + lines),
                (Shift::AfterLastRecord, Some(end)) => Shift::By(end),
                (Shift::AfterLastRecord, None) => Shift::AfterLastRecord,
            },
        },
        Part::Done {
            state: theirs,
            lines: their_lines,
            last_end: their_end,
            open_quote,
        } => match merge(state, theirs) {
            Ok(state) => Part::Done {
                state,
                lines: lines + their_lines,
                last_end: their_end.map(|e| e + lines).or(last_end),
                open_quote,
            },
            Err(e) => Part::Failed {
                error: SplitError::Sink(e),
                shift: Shift::By(0),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type P = Part<Vec<u32>, ()>;

    fn done(id: u32, lines: u64, last_end: Option<u64>, open_quote: bool) -> P {
        Part::Done {
            state: vec![id],
            lines,
            last_end,
            open_quote,
        }
    }

    fn failed(shift: Shift) -> P {
        Part::Failed {
            error: SplitError::Sink(()),
            shift,
        }
    }

    fn join(a: P, b: P) -> P {
        combine(a, b, |mut x, y| {
            x.extend(y);
            Ok(x)
        })
    }

    /// A printable summary, to compare parts.
    fn show(p: &P) -> String {
        match p {
            Part::Empty => "empty".into(),
            Part::Done {
                state,
                lines,
                last_end,
                open_quote,
            } => format!("done {state:?} {lines} {last_end:?} {open_quote}"),
            Part::Failed { shift, .. } => format!("failed {shift:?}"),
            Part::Fallback(why) => format!("fallback {why:?}"),
        }
    }

    fn parts() -> Vec<P> {
        vec![
            done(0, 3, Some(2), false),
            done(1, 2, None, false),
            failed(Shift::AfterLastRecord),
            done(3, 4, Some(4), true),
            failed(Shift::By(1)),
            done(5, 1, Some(1), false),
            Part::Fallback(Sequential::ErrorAtCut),
            Part::Empty,
        ]
    }

    #[test]
    fn combine_is_associative() {
        let n = parts().len();
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    let take = |i: usize| parts().swap_remove(i);
                    let l = join(join(take(a), take(b)), take(c));
                    let r = join(take(a), join(take(b), take(c)));
                    assert_eq!(show(&l), show(&r), "{a} {b} {c}");
                }
            }
        }
    }

    #[test]
    fn lines_resolve_from_the_spans_before() {
        // An error in a range's first record after a range with no record:
        // named by the end of the last record of the range before that.
        let p = join(
            join(done(0, 5, Some(4), false), done(1, 2, None, false)),
            failed(Shift::AfterLastRecord),
        );
        assert_eq!(show(&p), "failed By(4)");
        let p = join(
            done(0, 5, Some(4), false),
            join(done(1, 2, None, false), failed(Shift::By(3))),
        );
        assert_eq!(show(&p), "failed By(10)");
        let p = join(done(0, 5, Some(4), true), failed(Shift::By(0)));
        assert_eq!(show(&p), "fallback QuoteAcrossCut");
    }
}
