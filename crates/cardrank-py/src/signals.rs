//! Ctrl-C during a run: the run layer's [`Watch`] for Python.
//!
//! The work runs without the GIL; between batches (one reader) or every
//! 50 ms while byte ranges are read in parallel, the watch attaches to the
//! interpreter and checks for signals. A pending `KeyboardInterrupt` (or any
//! exception a signal handler raised) is kept here and the run stops; the
//! binding then raises it.

use std::sync::Mutex;

use cardrank_run::{Stop, Watch};
use pyo3::prelude::*;

use crate::errors::Failure;

/// Checks for signals; keeps the first exception a handler raised.
#[derive(Default)]
pub(crate) struct Signals {
    raised: Mutex<Option<PyErr>>,
}

impl Signals {
    fn check(&self) -> Result<(), Stop> {
        match Python::attach(|py| py.check_signals()) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let Ok(mut slot) = self.raised.lock() {
                    slot.get_or_insert(e);
                }
                Err(Stop)
            }
        }
    }

    /// A run-layer error as the binding's failure: a stop becomes the
    /// exception the signal handler raised; a reader's unknown column named
    /// `target` is the core's missing target.
    pub(crate) fn failure(&self, e: cardrank_run::Error, target: &str) -> Failure {
        match e {
            cardrank_run::Error::Interrupted => {
                match self.raised.lock().ok().and_then(|mut s| s.take()) {
                    Some(e) => Failure::Py(e),
                    None => Failure::Usage("interrupted".into()),
                }
            }
            other => Failure::from_run(other, target),
        }
    }
}

impl Watch for Signals {
    fn batch(&self) -> Result<(), Stop> {
        self.check()
    }

    fn wait(&self) -> Result<(), Stop> {
        self.check()
    }
}
