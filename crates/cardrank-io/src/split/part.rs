//! What a span of consecutive ranges gave, and how two adjacent spans
//! combine (associatively, so rayon can reduce the ranges in a tree while
//! others are still being read).
//!
//! The first thing in file order that is not a clean read decides: an
//! error, or a reason to read sequentially. Line numbers are kept relative
//! to the span's start and resolved when spans before it join.

use super::{Sequential, SplitError};

/// The outcome of a span of ranges.
pub(super) enum Part<S, E> {
    /// No range (the identity of [`combine`]).
    Empty,
    /// Every range read; `S` is their merged state.
    Done {
        state: S,
        /// Line feeds in the span.
        lines: u64,
        /// The span ends inside a quoted field (its last range is not the
        /// file's last, and its last record ends with a line feed inside a
        /// field).
        open_quote: bool,
    },
    /// The first error in the span; its line is relative to the span:
    /// `shift` is how many line feeds of the span come before its range (a
    /// reader names a record by its physical line, so an error's line in
    /// the file is its line in its range's reader plus the line feeds of
    /// the ranges before).
    Failed { error: SplitError<E>, shift: u64 },
    /// The span cannot be trusted: read the file with one reader.
    Fallback(Sequential),
}

/// Joins a span and the span just after it; `merge` joins their states.
pub(super) fn combine<S, E>(
    left: Part<S, E>,
    right: Part<S, E>,
    merge: impl FnOnce(S, S) -> Result<S, E>,
) -> Part<S, E> {
    let (state, lines) = match left {
        Part::Empty => return right,
        Part::Failed { .. } | Part::Fallback(_) => return left,
        Part::Done {
            open_quote: true, ..
        } => return Part::Fallback(Sequential::QuoteAcrossCut),
        Part::Done { state, lines, .. } => (state, lines),
    };
    match right {
        Part::Empty => Part::Done {
            state,
            lines,
            open_quote: false,
        },
        Part::Fallback(why) => Part::Fallback(why),
        Part::Failed { error, shift } => Part::Failed {
            error,
            shift: shift + lines,
        },
        Part::Done {
            state: theirs,
            lines: their_lines,
            open_quote,
        } => match merge(state, theirs) {
            Ok(state) => Part::Done {
                state,
                lines: lines + their_lines,
                open_quote,
            },
            Err(e) => Part::Failed {
                error: SplitError::Sink(e),
                shift: 0,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type P = Part<Vec<u32>, ()>;

    fn done(id: u32, lines: u64, open_quote: bool) -> P {
        Part::Done {
            state: vec![id],
            lines,
            open_quote,
        }
    }

    fn failed(shift: u64) -> P {
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
                open_quote,
            } => format!("done {state:?} {lines} {open_quote}"),
            Part::Failed { shift, .. } => format!("failed {shift}"),
            Part::Fallback(why) => format!("fallback {why:?}"),
        }
    }

    fn parts() -> Vec<P> {
        vec![
            done(0, 3, false),
            done(1, 2, false),
            failed(0),
            done(3, 4, true),
            failed(1),
            done(5, 1, false),
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
        // An error's line moves by the line feeds of every range before.
        let p = join(join(done(0, 5, false), done(1, 2, false)), failed(0));
        assert_eq!(show(&p), "failed 7");
        let p = join(done(0, 5, false), join(done(1, 2, false), failed(3)));
        assert_eq!(show(&p), "failed 10");
        let p = join(done(0, 5, true), failed(0));
        assert_eq!(show(&p), "fallback QuoteAcrossCut");
    }
}
