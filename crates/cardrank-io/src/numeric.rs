//! Numeric columns as bins (`--numeric`).
//!
//! - `none` (the default): every distinct value is its own category, as the
//!   reference implementation does (`"1"` and `"1.0"` differ).
//! - `quantile:K`: K bins between quantile edges. The edges are the
//!   quantiles at 1/K, 2/K, ... of the column, from a DDSketch
//!   (`sketches-ddsketch`, relative accuracy 1%, at most 2,048 bins per
//!   sign: bounded memory) filled in a first pass over the input, rounded
//!   to 3 significant digits; equal edges merge, so a column may get fewer
//!   than K bins. Files are therefore read twice; standard input cannot be.
//!   A value x falls in `[lo,hi)` with `lo <= x < hi` (`-inf` and `inf`
//!   close the outer bins).
//! - `log` (base 2) or `log:B`: one bin per power of B: `0`, `[2^3,2^4)`
//!   for 8 <= x < 16, and `-[2^3,2^4)` for -16 < x <= -8. One pass.
//!
//! Which columns are numeric: never the target; columns of an Arrow integer
//! or float type; text columns whose every value in the first batch (missing
//! tokens aside) parses as a number, with at least one finite value; and
//! list columns (Vowpal Wabbit namespaces, multivalue columns) whose every
//! element in the first batch is a number or `name:number` (then `name:`
//! stays and only the number is binned). Later values that are not numbers
//! stay categories of their own text. `NaN`, `inf` and `-inf` are
//! categories of their own (`NaN`, `inf`, `-inf`), never put in an edge bin;
//! missing values stay missing.

use std::str::FromStr;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use sketches_ddsketch::{Config, DDSketch};

use crate::error::{Error, Result};

/// How numeric columns are binned.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum NumericMode {
    /// Every distinct value is a category.
    #[default]
    None,
    /// This many bins between quantile edges (2 to 10,000).
    Quantile(usize),
    /// One bin per power of this base (> 1).
    Log(f64),
}

impl FromStr for NumericMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<NumericMode> {
        let bad = || {
            Error::option(format!(
                "invalid numeric mode `{s}`: expected none, quantile:K (K from 2 to 10000), log or log:B (B > 1)"
            ))
        };
        match s.split_once(':') {
            None if s == "none" => Ok(NumericMode::None),
            None if s == "log" => Ok(NumericMode::Log(2.0)),
            None if s == "quantile" => Ok(NumericMode::Quantile(10)),
            Some(("quantile", k)) => match k.parse::<usize>() {
                Ok(k) if (2..=10_000).contains(&k) => Ok(NumericMode::Quantile(k)),
                _ => Err(bad()),
            },
            Some(("log", b)) => match b.parse::<f64>() {
                Ok(b) if b.is_finite() && b > 1.0 => Ok(NumericMode::Log(b)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for NumericMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NumericMode::None => f.write_str("none"),
            NumericMode::Quantile(k) => write!(f, "quantile:{k}"),
            NumericMode::Log(b) if *b == 2.0 => f.write_str("log"),
            NumericMode::Log(b) => write!(f, "log:{b}"),
        }
    }
}

/// Whether an Arrow type holds numbers.
pub(crate) fn is_numeric_type(t: &DataType) -> bool {
    t.is_integer() || t.is_floating()
}

/// The number in a text value: the whole value, or (with `prefixed`) what
/// follows its last `:`. Returns `(prefix length, number)`.
fn parse_number(v: &str, prefixed: bool) -> Option<(usize, f64)> {
    if let Ok(x) = v.parse::<f64>() {
        return Some((0, x));
    }
    if prefixed {
        let i = v.rfind(':')?;
        return v[i + 1..].parse::<f64>().ok().map(|x| (i + 1, x));
    }
    None
}

/// Whether every value of a first batch's column is a number (see the
/// module docs); `missing` values are skipped.
pub(crate) fn looks_numeric(array: &dyn Array, missing: &[String]) -> bool {
    let mut finite = false;
    let mut check = |v: &str, prefixed: bool| -> bool {
        if missing.iter().any(|m| m == v) {
            return true;
        }
        match parse_number(v, prefixed) {
            Some((_, x)) => {
                finite |= x.is_finite();
                true
            }
            None => false,
        }
    };
    let all = match array.data_type() {
        t if is_numeric_type(t) => return true,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            strings(array).all(|v| v.is_none_or(|v| check(v, false)))
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let values = list_values(array);
            match values {
                Some(values) => strings(values.as_ref()).all(|v| v.is_none_or(|v| check(v, true))),
                None => false,
            }
        }
        _ => false,
    };
    all && finite
}

/// The element array of a list column, sliced to the rows in view.
fn list_values(array: &dyn Array) -> Option<ArrayRef> {
    match array.data_type() {
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            let (a, b) = (l.value_offsets()[0], l.value_offsets()[l.len()]);
            Some(l.values().slice(a as usize, (b - a) as usize))
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            let (a, b) = (l.value_offsets()[0], l.value_offsets()[l.len()]);
            Some(l.values().slice(a as usize, (b - a) as usize))
        }
        _ => None,
    }
}

/// The values of a string array (any string type), `None` for nulls.
pub(crate) fn strings(array: &dyn Array) -> Box<dyn Iterator<Item = Option<&str>> + '_> {
    match array.data_type() {
        DataType::Utf8 => Box::new(array.as_string::<i32>().iter()),
        DataType::LargeUtf8 => Box::new(array.as_string::<i64>().iter()),
        DataType::Utf8View => Box::new(array.as_string_view().iter()),
        _ => Box::new(std::iter::empty()),
    }
}

/// The numbers of a numeric-typed array as `f64`, `None` for nulls.
fn numbers(array: &dyn Array) -> Vec<Option<f64>> {
    use arrow_array::types::*;
    macro_rules! prim {
        ($t:ty) => {
            array
                .as_primitive::<$t>()
                .iter()
                .map(|v| v.map(|x| x as f64))
                .collect()
        };
    }
    match array.data_type() {
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => prim!(Float64Type),
        _ => vec![None; array.len()],
    }
}

/// One numeric column's binning.
#[derive(Clone, Debug)]
pub(crate) struct Binner {
    mode: NumericMode,
    /// Sorted, distinct inner edges (quantile mode).
    pub(crate) edges: Vec<f64>,
}

impl Binner {
    pub(crate) fn new(mode: NumericMode, edges: Vec<f64>) -> Self {
        Binner { mode, edges }
    }

    /// The bin label of a number.
    pub(crate) fn label(&self, x: f64, out: &mut String) {
        out.clear();
        if x.is_nan() {
            out.push_str("NaN");
            return;
        }
        if x.is_infinite() {
            out.push_str(if x > 0.0 { "inf" } else { "-inf" });
            return;
        }
        match self.mode {
            NumericMode::Quantile(_) => {
                let b = self.edges.partition_point(|&e| e <= x);
                let lo = if b == 0 {
                    f64::NEG_INFINITY
                } else {
                    self.edges[b - 1]
                };
                let hi = self.edges.get(b).copied().unwrap_or(f64::INFINITY);
                out.push('[');
                push_num(out, lo);
                out.push(',');
                push_num(out, hi);
                out.push(')');
            }
            NumericMode::Log(base) => {
                if x == 0.0 {
                    out.push('0');
                    return;
                }
                let a = x.abs();
                let mut k = (a.ln() / base.ln()).floor() as i32;
                if base.powi(k) > a {
                    k -= 1;
                } else if base.powi(k + 1) <= a {
                    k += 1;
                }
                let b = fmt_num(base);
                if x < 0.0 {
                    out.push('-');
                }
                out.push_str(&format!("[{b}^{k},{b}^{})", k + 1));
            }
            NumericMode::None => push_num(out, x),
        }
    }

    /// Bins a text value: numbers (after an optional `name:` prefix for
    /// list elements) become bin labels, anything else stays as it is.
    fn text(&self, v: &str, prefixed: bool, out: &mut String) {
        match parse_number(v, prefixed) {
            Some((p, x)) => {
                let mut label = String::new();
                self.label(x, &mut label);
                out.clear();
                out.push_str(&v[..p]);
                out.push_str(&label);
            }
            None => {
                out.clear();
                out.push_str(v);
            }
        }
    }

    /// Bins a whole column; missing tokens and nulls stay as they are.
    pub(crate) fn apply(&self, array: &dyn Array, missing: &[String]) -> Result<ArrayRef> {
        let mut buf = String::new();
        match array.data_type() {
            t if is_numeric_type(t) => {
                let mut b = StringBuilder::with_capacity(array.len(), array.len() * 8);
                for v in numbers(array) {
                    match v {
                        Some(x) => {
                            self.label(x, &mut buf);
                            b.append_value(&buf);
                        }
                        None => b.append_null(),
                    }
                }
                Ok(Arc::new(b.finish()))
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let mut b = StringBuilder::with_capacity(array.len(), array.len() * 8);
                for v in strings(array) {
                    match v {
                        Some(v) if missing.iter().any(|m| m == v) => b.append_value(v),
                        Some(v) => {
                            self.text(v, false, &mut buf);
                            b.append_value(&buf);
                        }
                        None => b.append_null(),
                    }
                }
                Ok(Arc::new(b.finish()))
            }
            DataType::List(field) | DataType::LargeList(field) => {
                let mut b = ListBuilder::new(StringBuilder::new()).with_field(field.clone());
                for row in 0..array.len() {
                    if array.is_null(row) {
                        b.append(false);
                        continue;
                    }
                    let item = list_row(array, row);
                    for v in strings(item.as_ref()).flatten() {
                        if missing.iter().any(|m| m == v) {
                            b.values().append_value(v);
                        } else {
                            self.text(v, true, &mut buf);
                            b.values().append_value(&buf);
                        }
                    }
                    b.append(true);
                }
                Ok(Arc::new(b.finish()))
            }
            other => Err(Error::option(format!(
                "numeric binning cannot read a column of type {other}"
            ))),
        }
    }

    /// Adds a column's numbers to a sketch (quantile mode's first pass).
    pub(crate) fn sketch(array: &dyn Array, missing: &[String], sketch: &mut DDSketch) {
        let mut add = |x: f64| {
            if x.is_finite() {
                sketch.add(x);
            }
        };
        match array.data_type() {
            t if is_numeric_type(t) => numbers(array).into_iter().flatten().for_each(add),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                for v in strings(array).flatten() {
                    if !missing.iter().any(|m| m == v) {
                        if let Some((_, x)) = parse_number(v, false) {
                            add(x);
                        }
                    }
                }
            }
            DataType::List(_) | DataType::LargeList(_) => {
                if let Some(values) = list_values(array) {
                    for v in strings(values.as_ref()).flatten() {
                        if let Some((_, x)) = parse_number(v, true) {
                            add(x);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// One row of a list column, as an array.
fn list_row(array: &dyn Array, row: usize) -> ArrayRef {
    match array.data_type() {
        DataType::LargeList(_) => array.as_list::<i64>().value(row),
        _ => array.as_list::<i32>().value(row),
    }
}

/// A fresh sketch for quantile edges.
pub(crate) fn new_sketch() -> DDSketch {
    DDSketch::new(Config::defaults())
}

/// The inner edges of `k` quantile bins: sorted, distinct, rounded to 3
/// significant digits.
pub(crate) fn quantile_edges(sketch: &DDSketch, k: usize) -> Vec<f64> {
    let mut edges: Vec<f64> = (1..k)
        .filter_map(|i| sketch.quantile(i as f64 / k as f64).ok().flatten())
        .filter(|x| x.is_finite())
        .map(round3)
        .collect();
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    edges
}

/// Rounds to 3 significant digits.
fn round3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.2e}").parse().unwrap_or(x)
}

fn fmt_num(x: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, x);
    s
}

/// The shortest text that reads back as `x` (`inf`, `-inf` for infinities).
fn push_num(out: &mut String, x: f64) {
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
    } else if x == x.trunc() && x.abs() < 1e15 {
        out.push_str(&format!("{}", x as i64));
    } else {
        out.push_str(ryu::Buffer::new().format(x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(b: &Binner, x: f64) -> String {
        let mut s = String::new();
        b.label(x, &mut s);
        s
    }

    #[test]
    fn modes_parse() {
        assert_eq!("none".parse::<NumericMode>().unwrap(), NumericMode::None);
        assert_eq!(
            "quantile:5".parse::<NumericMode>().unwrap(),
            NumericMode::Quantile(5)
        );
        assert_eq!("log".parse::<NumericMode>().unwrap(), NumericMode::Log(2.0));
        assert_eq!(
            "log:10".parse::<NumericMode>().unwrap(),
            NumericMode::Log(10.0)
        );
        for bad in ["quantile:1", "quantile:x", "log:1", "log:nan", "bins"] {
            assert!(bad.parse::<NumericMode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn log_bins_and_specials() {
        let b = Binner::new(NumericMode::Log(2.0), vec![]);
        assert_eq!(label(&b, 8.0), "[2^3,2^4)");
        assert_eq!(label(&b, 15.9), "[2^3,2^4)");
        assert_eq!(label(&b, 16.0), "[2^4,2^5)");
        assert_eq!(label(&b, -9.0), "-[2^3,2^4)");
        assert_eq!(label(&b, 0.0), "0");
        assert_eq!(label(&b, 0.3), "[2^-2,2^-1)");
        assert_eq!(label(&b, f64::NAN), "NaN");
        assert_eq!(label(&b, f64::NEG_INFINITY), "-inf");
        let b = Binner::new(NumericMode::Log(10.0), vec![]);
        assert_eq!(label(&b, 1000.0), "[10^3,10^4)");
        assert_eq!(label(&b, 999.0), "[10^2,10^3)");
    }

    #[test]
    fn quantile_bins() {
        let mut s = new_sketch();
        for i in 0..1000 {
            s.add(i as f64);
        }
        let edges = quantile_edges(&s, 4);
        assert_eq!(edges.len(), 3);
        assert!((edges[1] - 500.0).abs() < 10.0, "{edges:?}");
        let b = Binner::new(NumericMode::Quantile(4), edges.clone());
        assert_eq!(label(&b, -5.0), format!("[-inf,{})", fmt_num(edges[0])));
        assert_eq!(label(&b, 1e9), format!("[{},inf)", fmt_num(edges[2])));
        assert_eq!(label(&b, f64::INFINITY), "inf");
    }

    #[test]
    fn detection() {
        let a = arrow_array::StringArray::from(vec!["1", "2.5", "", "-3e2"]);
        assert!(looks_numeric(&a, &["".to_string()]));
        let a = arrow_array::StringArray::from(vec!["1", "x"]);
        assert!(!looks_numeric(&a, &["".to_string()]));
        let a = arrow_array::StringArray::from(vec!["NaN", "inf"]);
        assert!(!looks_numeric(&a, &[]), "no finite value");
        let mut b = String::new();
        Binner::new(NumericMode::Log(2.0), vec![]).text("price:12", true, &mut b);
        assert_eq!(b, "price:[2^3,2^4)");
    }
}
