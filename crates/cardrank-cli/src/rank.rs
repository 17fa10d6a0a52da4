//! `cardrank rank`: the run layer's ranking of the inputs, printed.

use std::time::Instant;

use cardrank_io::split::SPLIT_BYTES_ENV;
use cardrank_run::How;

use crate::args::RankArgs;
use crate::error::CliError;
use crate::input::InputJson;
use crate::output::{self, Meta};
use crate::watch::Bar;

/// Runs `cardrank rank` without pairs.
pub fn run(a: &RankArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let spec = a.spec()?;
    let ranked = cardrank_run::rank(&spec, &Bar::new(a.opts.quiet))?;
    // A tuning and test knob: with it set, one line says how the file was read.
    if std::env::var_os(SPLIT_BYTES_ENV).is_some() {
        match &ranked.read.how {
            How::Ranges(n) => eprintln!("note: read in {n} ranges"),
            How::OneReader(why) => eprintln!("note: read with one reader: {why}"),
        }
    }
    let report = InputJson::new(
        ranked.read.progress.report(),
        spec.read.max_distinct,
        cardrank::fold_report(ranked.ranker.state()),
    )
    .with_missing_target_rows(ranked.ranker.state().missing_target_rows());
    let meta = Meta {
        source: spec.source_name(),
        seconds: start.elapsed().as_secs_f64(),
    };
    output::emit_with_input(&ranked.ranking, &meta, &a.opts, None, Some(&report))
}
