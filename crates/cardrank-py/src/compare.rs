//! `cardrank.compare`: two rankings side by side, by the run layer's
//! [`cardrank_run::compare`] (the same as `cardrank compare`).

use cardrank_run::compare::{compare as compare_rankings, read, Entry};
use pyo3::prelude::*;

use crate::errors::Failure;
use crate::pairs::json;

fn entries(name: &str, list: Option<&str>) -> Result<Vec<Entry>, Failure> {
    match list {
        None => Ok(read(std::path::Path::new(name)).map_err(|e| Failure::Usage(e.to_string()))?),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| Failure::Usage(format!("{name} is not a ranking: {e}"))),
    }
}

/// Compares ranking A with ranking B: each a name and, for rankings in
/// memory, the JSON of their `{"rank", "feature", "score"}` list (None: the
/// name is a JSON file's path). Returns the comparison as JSON.
#[pyfunction]
#[pyo3(signature = (name_a, list_a, name_b, list_b, *, p = 0.9, top = 10))]
pub(crate) fn compare(
    name_a: &str,
    list_a: Option<&str>,
    name_b: &str,
    list_b: Option<&str>,
    p: f64,
    top: usize,
) -> Result<String, Failure> {
    let a = entries(name_a, list_a)?;
    let b = entries(name_b, list_b)?;
    let c = compare_rankings((name_a, a), (name_b, b), p, top)
        .map_err(|e| Failure::Usage(e.to_string()))?;
    json(&c)
}
