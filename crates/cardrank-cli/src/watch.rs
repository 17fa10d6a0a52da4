//! The progress bar on stderr, as the run layer's [`Watch`].

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use cardrank_io::Progress;
use cardrank_run::Watch;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A byte-based progress bar per source; hidden when stderr is not a
/// terminal or with `--quiet`.
pub struct Bar {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    /// A bar, or none with `quiet`.
    pub fn new(quiet: bool) -> Bar {
        Bar {
            quiet,
            bar: Mutex::new(None),
        }
    }

    fn with(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bar) = self.bar.lock() {
            if let Some(bar) = bar.as_ref() {
                f(bar);
            }
        }
    }
}

impl Watch for Bar {
    fn start(&self, progress: &Progress) {
        let bar = progress_bar(progress, self.quiet);
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn progress(&self, rows: u64) {
        self.with(|bar| {
            bar.set_message(format!("{rows} rows"));
            bar.tick();
        });
    }

    fn done(&self) {
        self.with(ProgressBar::finish_and_clear);
    }
}

/// A byte-based progress bar on stderr; hidden when stderr is not a terminal
/// or with `quiet`.
fn progress_bar(progress: &Progress, quiet: bool) -> ProgressBar {
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
