//! Reading Arrow arrays as categories.
//!
//! Strings (Utf8, LargeUtf8, Utf8View), binaries, dictionary-encoded columns
//! (pandas and polars categoricals), integers, floats and booleans are all
//! accepted. Numbers are categories keyed by their decimal text, so a column
//! read from CSV and the same column read from Parquet give the same codes.
//! A float with an integral value is the integer's category (`1.0` is `1`:
//! pandas upcasts an integer column to float64 in a chunk that holds a NaN,
//! and the chunks must agree); a float NaN is missing, as in pandas. Nulls
//! are missing values.
//!
//! List columns (`List`/`LargeList` of any of the above) are multivalue
//! features: each element of a row is one occurrence of a value, counted
//! with the row's target class; a null or empty list is one missing
//! occurrence. A list that always has one element counts exactly like the
//! plain column of its elements.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, DictionaryArray};
use arrow_buffer::ArrowNativeType;
use arrow_schema::DataType;

use crate::encode::{Dictionary, MissingTokens};

/// Why a column cannot be read.
#[derive(Debug)]
pub(crate) struct Unsupported(pub DataType);

/// Appends the code of every row of `array` to `out`.
pub(crate) fn encode_array(
    dict: &mut Dictionary,
    missing: &MissingTokens,
    array: &dyn Array,
    out: &mut Vec<u32>,
) -> Result<(), Unsupported> {
    out.reserve(array.len());
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            encode_bytes(dict, missing, a, |i| a.value(i).as_bytes(), out)
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            encode_bytes(dict, missing, a, |i| a.value(i).as_bytes(), out)
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            encode_bytes(dict, missing, a, |i| a.value(i).as_bytes(), out)
        }
        DataType::Binary => {
            let a = array.as_binary::<i32>();
            encode_bytes(dict, missing, a, |i| a.value(i), out)
        }
        DataType::LargeBinary => {
            let a = array.as_binary::<i64>();
            encode_bytes(dict, missing, a, |i| a.value(i), out)
        }
        DataType::BinaryView => {
            let a = array.as_binary_view();
            encode_bytes(dict, missing, a, |i| a.value(i), out)
        }
        DataType::Int8 => encode_int::<Int8Type>(dict, array, out),
        DataType::Int16 => encode_int::<Int16Type>(dict, array, out),
        DataType::Int32 => encode_int::<Int32Type>(dict, array, out),
        DataType::Int64 => encode_int::<Int64Type>(dict, array, out),
        DataType::UInt8 => encode_int::<UInt8Type>(dict, array, out),
        DataType::UInt16 => encode_int::<UInt16Type>(dict, array, out),
        DataType::UInt32 => encode_int::<UInt32Type>(dict, array, out),
        DataType::UInt64 => encode_int::<UInt64Type>(dict, array, out),
        DataType::Float32 => {
            let a = array.as_primitive::<arrow_array::types::Float32Type>();
            let mut buf = ryu::Buffer::new();
            encode_with(dict, a, out, |i, d| {
                let v = a.value(i);
                float_code(d, f64::from(v)).unwrap_or_else(|| d.code(buf.format(v).as_bytes()))
            })
        }
        DataType::Float64 => {
            let a = array.as_primitive::<arrow_array::types::Float64Type>();
            let mut buf = ryu::Buffer::new();
            encode_with(dict, a, out, |i, d| {
                let v = a.value(i);
                float_code(d, v).unwrap_or_else(|| d.code(buf.format(v).as_bytes()))
            })
        }
        DataType::Boolean => {
            let a = array.as_boolean();
            encode_with(dict, a, out, |i, d| {
                d.code(if a.value(i) { b"true" } else { b"false" })
            })
        }
        DataType::Null => {
            for _ in 0..array.len() {
                out.push(dict.missing());
            }
            Ok(())
        }
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => encode_dictionary::<Int8Type>(dict, missing, array, out),
            DataType::Int16 => encode_dictionary::<Int16Type>(dict, missing, array, out),
            DataType::Int32 => encode_dictionary::<Int32Type>(dict, missing, array, out),
            DataType::Int64 => encode_dictionary::<Int64Type>(dict, missing, array, out),
            DataType::UInt8 => encode_dictionary::<UInt8Type>(dict, missing, array, out),
            DataType::UInt16 => encode_dictionary::<UInt16Type>(dict, missing, array, out),
            DataType::UInt32 => encode_dictionary::<UInt32Type>(dict, missing, array, out),
            DataType::UInt64 => encode_dictionary::<UInt64Type>(dict, missing, array, out),
            other => Err(Unsupported(other.clone())),
        },
        other => Err(Unsupported(other.clone())),
    }
}

/// The code of a float that is not keyed by its shortest text: NaN is
/// missing, an integral value in the `i64` range is the integer's category.
#[inline]
fn float_code(dict: &mut Dictionary, v: f64) -> Option<u32> {
    // 2^63: the first float past i64::MAX.
    const I64_END: f64 = 9_223_372_036_854_775_808.0;
    if v.is_nan() {
        Some(dict.missing())
    } else if v.fract() == 0.0 && (-I64_END..I64_END).contains(&v) {
        // Exact: an integral float in range converts without rounding.
        Some(dict.code_int(v as i64))
    } else {
        None
    }
}

/// Which rows of `array` [`encode_array`] counts as missing (null, a
/// missing token, a float NaN, a dictionary key of a missing value); `None`
/// when none is.
pub(crate) fn missing_rows(array: &dyn Array, missing: &MissingTokens) -> Option<Vec<bool>> {
    let rows = |f: &dyn Fn(usize) -> bool| -> Vec<bool> { (0..array.len()).map(f).collect() };
    let mask = match array.data_type() {
        DataType::Null => vec![true; array.len()],
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            rows(&|i| a.is_null(i) || missing.is_missing(a.value(i).as_bytes()))
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            rows(&|i| a.is_null(i) || missing.is_missing(a.value(i).as_bytes()))
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            rows(&|i| a.is_null(i) || missing.is_missing(a.value(i).as_bytes()))
        }
        DataType::Binary => {
            let a = array.as_binary::<i32>();
            rows(&|i| a.is_null(i) || missing.is_missing(a.value(i)))
        }
        DataType::LargeBinary => {
            let a = array.as_binary::<i64>();
            rows(&|i| a.is_null(i) || missing.is_missing(a.value(i)))
        }
        DataType::BinaryView => {
            let a = array.as_binary_view();
            rows(&|i| a.is_null(i) || missing.is_missing(a.value(i)))
        }
        DataType::Float32 => {
            let a = array.as_primitive::<arrow_array::types::Float32Type>();
            rows(&|i| a.is_null(i) || a.value(i).is_nan())
        }
        DataType::Float64 => {
            let a = array.as_primitive::<arrow_array::types::Float64Type>();
            rows(&|i| a.is_null(i) || a.value(i).is_nan())
        }
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => missing_keys::<Int8Type>(array, missing),
            DataType::Int16 => missing_keys::<Int16Type>(array, missing),
            DataType::Int32 => missing_keys::<Int32Type>(array, missing),
            DataType::Int64 => missing_keys::<Int64Type>(array, missing),
            DataType::UInt8 => missing_keys::<UInt8Type>(array, missing),
            DataType::UInt16 => missing_keys::<UInt16Type>(array, missing),
            DataType::UInt32 => missing_keys::<UInt32Type>(array, missing),
            DataType::UInt64 => missing_keys::<UInt64Type>(array, missing),
            _ => rows(&|i| array.is_null(i)),
        },
        _ if array.null_count() == 0 => return None,
        _ => rows(&|i| array.is_null(i)),
    };
    mask.contains(&true).then_some(mask)
}

/// [`missing_rows`] of a dictionary array: a null key, or the key of a
/// missing value (a key out of range counts as missing, as when encoded).
fn missing_keys<K: ArrowDictionaryKeyType>(
    array: &dyn Array,
    missing: &MissingTokens,
) -> Vec<bool> {
    let a: &DictionaryArray<K> = array.as_dictionary::<K>();
    let values = missing_rows(a.values().as_ref(), missing).unwrap_or_default();
    a.keys()
        .iter()
        .map(|key| match key {
            None => true,
            Some(k) => {
                let k = k.as_usize();
                k >= a.values().len() || values.get(k).copied().unwrap_or(false)
            }
        })
        .collect()
}

/// Whether a type is a list (a multivalue feature).
pub(crate) fn is_list(data_type: &DataType) -> bool {
    matches!(data_type, DataType::List(_) | DataType::LargeList(_))
}

/// Encodes a list column: one code per occurrence into `codes`, and the
/// target class of each occurrence's row into `occurrence_classes`.
pub(crate) fn encode_list(
    dict: &mut Dictionary,
    missing: &MissingTokens,
    array: &dyn Array,
    classes: &[u32],
    codes: &mut Vec<u32>,
    occurrence_classes: &mut Vec<u32>,
) -> Result<(), Unsupported> {
    let (offsets, values): (Vec<usize>, ArrayRef) = match array.data_type() {
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            let o = l
                .value_offsets()
                .iter()
                .map(|&o| o.max(0) as usize)
                .collect();
            (o, l.values().clone())
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            let o = l
                .value_offsets()
                .iter()
                .map(|&o| o.max(0) as usize)
                .collect();
            (o, l.values().clone())
        }
        other => return Err(Unsupported(other.clone())),
    };
    let mut one = Vec::new();
    let text = Text::of(values.as_ref());
    let mut push_row = |dict: &mut Dictionary, r: usize, codes: &mut Vec<u32>| {
        let (a, b) = (offsets[r], offsets[r + 1].max(offsets[r]));
        let class = classes.get(r).copied().unwrap_or(0);
        if array.is_null(r) || a == b || b > values.len() {
            codes.push(dict.missing());
            occurrence_classes.push(class);
            return Ok(());
        }
        match &text {
            Some(text) => codes.extend((a..b).map(|k| text.code(k, dict, missing))),
            None => {
                one.clear();
                encode_array(dict, missing, values.slice(a, b - a).as_ref(), &mut one)?;
                codes.extend_from_slice(&one);
            }
        }
        occurrence_classes.extend(std::iter::repeat_n(class, b - a));
        Ok(())
    };
    for r in 0..array.len() {
        push_row(dict, r, codes)?;
    }
    Ok(())
}

/// Whether a type can be read (checked once per column, before any work).
pub(crate) fn is_supported(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(f) | DataType::LargeList(f) => {
            !is_list(f.data_type()) && is_supported(f.data_type())
        }
        DataType::Dictionary(key, value) => key.is_dictionary_key_type() && is_supported(value),
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Float32
        | DataType::Float64
        | DataType::Boolean
        | DataType::Null => true,
        t => t.is_integer(),
    }
}

#[inline]
fn encode_bytes<'a, F>(
    dict: &mut Dictionary,
    missing: &MissingTokens,
    array: &dyn Array,
    value: F,
    out: &mut Vec<u32>,
) -> Result<(), Unsupported>
where
    F: Fn(usize) -> &'a [u8],
{
    if array.null_count() == 0 {
        out.extend((0..array.len()).map(|i| dict.encode(value(i), missing)));
    } else {
        out.extend((0..array.len()).map(|i| {
            if array.is_null(i) {
                dict.missing()
            } else {
                dict.encode(value(i), missing)
            }
        }));
    }
    Ok(())
}

#[inline]
fn encode_with<F>(
    dict: &mut Dictionary,
    array: &dyn Array,
    out: &mut Vec<u32>,
    mut code: F,
) -> Result<(), Unsupported>
where
    F: FnMut(usize, &mut Dictionary) -> u32,
{
    for i in 0..array.len() {
        let c = if array.is_null(i) {
            dict.missing()
        } else {
            code(i, dict)
        };
        out.push(c);
    }
    Ok(())
}

fn encode_int<T>(
    dict: &mut Dictionary,
    array: &dyn Array,
    out: &mut Vec<u32>,
) -> Result<(), Unsupported>
where
    T: ArrowPrimitiveType,
    T::Native: itoa::Integer + TryInto<i64>,
{
    let a = array.as_primitive::<T>();
    let mut buf = itoa::Buffer::new();
    let mut code = |v: T::Native, d: &mut Dictionary| match v.try_into() {
        Ok(v) => d.code_int(v),
        // u64 values past i64::MAX: by their text.
        Err(_) => d.code(buf.format(v).as_bytes()),
    };
    if a.null_count() == 0 {
        for &v in a.values().iter() {
            out.push(code(v, dict));
        }
        return Ok(());
    }
    encode_with(dict, a, out, |i, d| code(a.value(i), d))
}

/// The entries of a text array (a dictionary's values, a list's
/// elements), coded one at a time straight from their bytes, as a text
/// column's values are ([`encode_array`]).
enum Text<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Text<'a> {
    /// `values` as text, if it is.
    fn of(values: &'a dyn Array) -> Option<Text<'a>> {
        Some(match values.data_type() {
            DataType::Utf8 => Text::Utf8(values.as_string::<i32>()),
            DataType::LargeUtf8 => Text::Large(values.as_string::<i64>()),
            DataType::Utf8View => Text::View(values.as_string_view()),
            _ => return None,
        })
    }

    /// The code of entry `k`: missing when null, else its value's.
    fn code(&self, k: usize, dict: &mut Dictionary, missing: &MissingTokens) -> u32 {
        let (null, bytes) = match self {
            Text::Utf8(v) => (v.is_null(k), v.value(k).as_bytes()),
            Text::Large(v) => (v.is_null(k), v.value(k).as_bytes()),
            Text::View(v) => (v.is_null(k), v.value(k).as_bytes()),
        };
        if null {
            dict.missing()
        } else {
            dict.encode(bytes, missing)
        }
    }
}

/// Dictionary-encoded columns: each dictionary entry is encoded once, on its
/// first use, so unused entries never become categories.
fn encode_dictionary<K: ArrowDictionaryKeyType>(
    dict: &mut Dictionary,
    missing: &MissingTokens,
    array: &dyn Array,
    out: &mut Vec<u32>,
) -> Result<(), Unsupported> {
    let a: &DictionaryArray<K> = array.as_dictionary::<K>();
    let values = a.values();
    if !is_supported(values.data_type()) {
        return Err(Unsupported(array.data_type().clone()));
    }
    let mut cache: Vec<u32> = vec![u32::MAX; values.len()];
    let mut one = Vec::with_capacity(1);
    // Text entries are coded straight from their bytes; others through a
    // one-entry slice of the dictionary.
    let text = Text::of(values.as_ref());
    for key in a.keys().iter() {
        let code = match key {
            None => dict.missing(),
            Some(k) => {
                let k = k.as_usize();
                if k >= cache.len() {
                    // Arrow validates keys on construction; stay safe anyway.
                    dict.missing()
                } else if cache[k] != u32::MAX {
                    cache[k]
                } else if let Some(text) = &text {
                    let code = text.code(k, dict, missing);
                    cache[k] = code;
                    code
                } else {
                    one.clear();
                    encode_array(dict, missing, &values.slice(k, 1), &mut one)?;
                    cache[k] = one[0];
                    one[0]
                }
            }
        };
        out.push(code);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
