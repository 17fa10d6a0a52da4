//! The flags of the report, each with its threshold and observed value.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::quality::{ColumnQuality, Role};

/// The thresholds behind every flag. All can be changed; the defaults are
/// chosen so that the known problems of the shared real data sets are found
/// and ordinary columns are not flagged (see the README's data-quality
/// section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `near_constant`: the most common value covers at least this share of
    /// the rows (missing counted as a value; features only: a skewed target
    /// is the task, not a defect).
    pub near_constant: f64,
    /// `mostly_missing`: at least this share of the rows is missing.
    pub mostly_missing: f64,
    /// `id_like`: fewer than this many non-missing rows per distinct value
    /// on average, too few for any per-value statistic (a row id has 1, the
    /// census survey weight 2.4, an ordinary high-cardinality id such as a
    /// site in a click log tens to thousands).
    pub id_like_rows_per_value: f64,
    /// `label_leak`: the feature explains at least this share of the
    /// target's entropy beyond chance, `(MI - EMI) / H(Y)` (ID-like columns
    /// included: chance adjustment already gives a row id about 0). A copy of the label scores 1; a copy with 1 % of a balanced
    /// binary label flipped 0.92.
    pub label_leak: f64,
    /// `drift`: population stability index between the first and the last
    /// part of at least this much (0.25 is the usual "significant shift")...
    pub drift_psi: f64,
    /// ...and a difference at least this many null standard deviations
    /// beyond what shuffling the rows gives (so ids and rare values, whose
    /// PSI is large by chance, are not flagged).
    pub drift_z: f64,
    /// `rare_values`: a value is rare when seen at most this many times...
    pub rare_count: u64,
    /// ...and a feature is flagged when rare values cover at least this
    /// share of its rows (ID-like columns aside).
    pub rare_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            near_constant: 0.95,
            mostly_missing: 0.4,
            id_like_rows_per_value: 3.0,
            label_leak: 0.9,
            drift_psi: 0.25,
            drift_z: 5.0,
            rare_count: 5,
            rare_share: 0.05,
        }
    }
}

/// The names [`Thresholds::set`] accepts.
pub const THRESHOLD_NAMES: &[&str] = &[
    "near_constant",
    "mostly_missing",
    "id_like_rows_per_value",
    "label_leak",
    "drift_psi",
    "drift_z",
    "rare_count",
    "rare_share",
];

impl Thresholds {
    /// Sets one threshold by name (one of [`THRESHOLD_NAMES`]).
    ///
    /// # Example
    /// ```
    /// let mut t = cardrank::quality::Thresholds::default();
    /// t.set("mostly_missing", 0.3).unwrap();
    /// assert_eq!(t.mostly_missing, 0.3);
    /// assert!(t.set("mostly_missing", 1.5).is_err());
    /// assert!(t.set("no_such_flag", 0.5).is_err());
    /// ```
    pub fn set(&mut self, name: &str, value: f64) -> Result<()> {
        let bad = |expected: &'static str| Error::InvalidParameter {
            name: "threshold",
            value: format!("{name}={value}"),
            expected,
        };
        let share = |v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(bad("a share between 0 and 1"))
            }
        };
        let positive = |v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(bad("a finite number >= 0"))
            }
        };
        match name {
            "near_constant" => self.near_constant = share(value)?,
            "mostly_missing" => self.mostly_missing = share(value)?,
            "id_like_rows_per_value" => self.id_like_rows_per_value = positive(value)?,
            "label_leak" => self.label_leak = share(value)?,
            "drift_psi" => self.drift_psi = positive(value)?,
            "drift_z" => self.drift_z = positive(value)?,
            "rare_count" => {
                if value.fract() != 0.0 || !(0.0..=1e15).contains(&value) {
                    return Err(bad("a whole number of rows"));
                }
                self.rare_count = value as u64;
            }
            "rare_share" => self.rare_share = share(value)?,
            _ => {
                return Err(bad(
                    "one of near_constant, mostly_missing, id_like_rows_per_value, label_leak, drift_psi, drift_z, rare_count, rare_share",
                ))
            }
        }
        Ok(())
    }
}

/// One flag raised on a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// `constant`, `near_constant`, `mostly_missing`, `id_like`,
    /// `duplicate`, `label_leak`, `drift` or `rare_values`.
    pub flag: String,
    /// The figure compared, e.g. `missing_share`.
    pub figure: String,
    /// Its value.
    pub observed: f64,
    /// The comparison that raised the flag: `>=`, `<=`, `<` or `==`.
    pub op: String,
    /// The threshold.
    pub threshold: f64,
    /// One readable sentence.
    pub note: String,
}

fn flag(name: &str, figure: &str, observed: f64, op: &str, threshold: f64, note: String) -> Flag {
    Flag {
        flag: name.into(),
        figure: figure.into(),
        observed,
        op: op.into(),
        threshold,
        note,
    }
}

/// The flags of one column, from its figures.
pub(crate) fn flags_of(c: &ColumnQuality, t: &Thresholds, target: &str) -> Vec<Flag> {
    let mut out = Vec::new();
    if c.cardinality <= 1 {
        out.push(flag(
            "constant",
            "cardinality",
            c.cardinality as f64,
            "<=",
            1.0,
            format!("one value in all {} rows", c.rows),
        ));
    } else if c.top_share >= t.near_constant && c.role == Role::Feature {
        out.push(flag(
            "near_constant",
            "top_share",
            c.top_share,
            ">=",
            t.near_constant,
            format!(
                "`{}` in {:.1}% of the rows",
                c.top_values.first().map_or("", |v| v.value.as_str()),
                100.0 * c.top_share
            ),
        ));
    }
    if c.missing_share >= t.mostly_missing && c.missing > 0 {
        out.push(flag(
            "mostly_missing",
            "missing_share",
            c.missing_share,
            ">=",
            t.mostly_missing,
            format!("{:.1}% of the rows are missing", 100.0 * c.missing_share),
        ));
    }
    if is_id_like(c, t) {
        out.push(flag(
            "id_like",
            "rows_per_value",
            c.rows_per_value,
            "<",
            t.id_like_rows_per_value,
            format!(
                "{} distinct values in {} rows: {:.2} rows per value",
                c.distinct,
                c.rows - c.missing,
                c.rows_per_value
            ),
        ));
    }
    if let Some(j) = c.duplicate_of.as_ref() {
        let what = if j == target && c.role == Role::Feature {
            "the target"
        } else {
            "column"
        };
        out.push(flag(
            "duplicate",
            "same_partition",
            1.0,
            "==",
            1.0,
            format!("the same partition of the rows as {what} `{j}` (values renamed at most)"),
        ));
    }
    if let Some(leak) = c.leak_share {
        // ID-like columns too: a row id scores about 0 here (its MI is what
        // chance gives), so a high share is a leak whatever the cardinality
        // (e.g. an id present exactly when the label is 1).
        if leak >= t.label_leak {
            out.push(flag(
                "label_leak",
                "leak_share",
                leak,
                ">=",
                t.label_leak,
                format!(
                    "explains {:.1}% of the target's entropy beyond chance: check that it is known before the label",
                    100.0 * leak
                ),
            ));
        }
    }
    if let Some(d) = &c.drift {
        let z = d.z.unwrap_or(0.0);
        if d.psi >= t.drift_psi && z >= t.drift_z {
            out.push(flag(
                "drift",
                "drift_psi",
                d.psi,
                ">=",
                t.drift_psi,
                format!(
                    "value shares differ between the first {} and the last {} rows (PSI {:.3}, z = {:.1})",
                    d.first_rows, d.last_rows, d.psi, z
                ),
            ));
        }
    }
    let present = c.rows - c.missing;
    // A skewed or many-class target is the task, not a defect.
    if present > 0 && !is_id_like(c, t) && c.cardinality > 1 && c.role == Role::Feature {
        let share = c.rare_rows as f64 / c.rows as f64;
        if share >= t.rare_share && c.rare_values > 0 {
            out.push(flag(
                "rare_values",
                "rare_share",
                share,
                ">=",
                t.rare_share,
                format!(
                    "{} values seen at most {} times cover {:.1}% of the rows",
                    c.rare_values,
                    t.rare_count,
                    100.0 * share
                ),
            ));
        }
    }
    out
}

/// Fewer non-missing rows per distinct value than the threshold.
pub(crate) fn is_id_like(c: &ColumnQuality, t: &Thresholds) -> bool {
    c.distinct > 1 && c.rows_per_value < t.id_like_rows_per_value
}
