//! Tests of the column coding: text and its views, numbers, missing
//! values and dictionaries.

use std::sync::Arc;

use arrow_array::{
    BooleanArray, DictionaryArray, Float64Array, Int64Array, StringArray, StringViewArray,
};

use super::*;

fn codes(array: &dyn Array) -> (Vec<u32>, Dictionary) {
    let mut d = Dictionary::new();
    let mut out = Vec::new();
    encode_array(&mut d, &MissingTokens::default(), array, &mut out).unwrap();
    (out, d)
}

#[test]
fn strings_and_views_agree() {
    let vals = vec![Some("a"), None, Some(""), Some("b"), Some("a")];
    let (c1, _) = codes(&StringArray::from(vals.clone()));
    let (c2, _) = codes(&StringViewArray::from(vals));
    assert_eq!(c1, c2);
    // null and the empty field are both missing by default
    assert_eq!(c1, vec![0, 1, 1, 2, 0]);
}

#[test]
fn numbers_are_categories_by_text() {
    let (c, d) = codes(&Int64Array::from(vec![Some(10), Some(-3), None, Some(10)]));
    assert_eq!(c, vec![0, 1, 2, 0]);
    assert_eq!(d.label(1), "-3");
    let (c, d) = codes(&Float64Array::from(vec![1.5, 2.0, 1.5]));
    assert_eq!(c, vec![0, 1, 0]);
    assert_eq!(d.label(0), "1.5");
    let (c, _) = codes(&BooleanArray::from(vec![true, false, true]));
    assert_eq!(c, vec![0, 1, 0]);
}

#[test]
fn integral_floats_are_the_integers_and_nan_is_missing() {
    // A pandas int column upcast to float64 by a NaN in one chunk: the
    // chunks must give the same categories.
    let mut d = Dictionary::new();
    let miss = MissingTokens::default();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    encode_array(&mut d, &miss, &Int64Array::from(vec![1, 2, -3, 0]), &mut a).unwrap();
    let floats = Float64Array::from(vec![1.0, 2.0, -3.0, -0.0, f64::NAN, 2.5, 1e300]);
    encode_array(&mut d, &miss, &floats, &mut b).unwrap();
    assert_eq!(&b[..4], &a[..]);
    assert_eq!(Some(b[4]), d.missing_code());
    assert_eq!(
        (d.label(b[5]), d.label(b[6])),
        ("2.5".into(), "1e300".into())
    );
    let f32s = arrow_array::Float32Array::from(vec![2.0f32, 0.1]);
    let mut c = Vec::new();
    encode_array(&mut d, &miss, &f32s, &mut c).unwrap();
    assert_eq!((c[0], d.label(c[1])), (a[1], "0.1".to_string()));
    // 1, 2, -3, 0, missing, 2.5, 1e300, 0.1
    assert_eq!(d.len(), 8);
}

#[test]
fn missing_rows_agree_with_the_codes() {
    let miss = MissingTokens::new(&["", "?"]);
    let cases: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![
            Some("a"),
            None,
            Some("?"),
            Some(""),
            Some("b"),
        ])),
        Arc::new(Float64Array::from(vec![
            Some(1.0),
            None,
            Some(f64::NAN),
            Some(2.0),
        ])),
        Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])),
        Arc::new(Int64Array::from(vec![1, 2])),
        Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                arrow_array::Int32Array::from(vec![Some(0), Some(1), None, Some(0)]),
                Arc::new(StringArray::from(vec!["x", "?"])),
            )
            .unwrap(),
        ),
        Arc::new(arrow_array::NullArray::new(2)),
    ];
    for array in cases {
        let mut d = Dictionary::new();
        let mut out = Vec::new();
        encode_array(&mut d, &miss, array.as_ref(), &mut out).unwrap();
        let by_code: Vec<bool> = out.iter().map(|&c| Some(c) == d.missing_code()).collect();
        let mask = missing_rows(array.as_ref(), &miss);
        assert_eq!(
            mask.clone().unwrap_or(vec![false; array.len()]),
            by_code,
            "{array:?}"
        );
        assert_eq!(mask.is_some(), by_code.contains(&true));
    }
}

#[test]
fn dictionary_arrays_skip_unused_entries() {
    let keys = arrow_array::Int32Array::from(vec![Some(2), Some(0), None, Some(2)]);
    let values = Arc::new(StringArray::from(vec!["x", "unused", "z"]));
    let a = DictionaryArray::<Int32Type>::try_new(keys, values).unwrap();
    let (c, d) = codes(&a);
    assert_eq!(c, vec![0, 1, 2, 0]);
    assert_eq!(d.len(), 3);
    assert_eq!(d.label(0), "z");
}

/// A dictionary of text, whatever its string type, codes each row as
/// the same rows written out as plain text: a null entry and a missing
/// token are missing, every other entry its value.
#[test]
fn text_dictionaries_code_as_their_rows() {
    let miss = MissingTokens::new(&["?"]);
    let entries = vec![Some("b"), None, Some("?"), Some("a"), Some("unused")];
    let keys = arrow_array::Int16Array::from(vec![
        Some(3),
        Some(0),
        None,
        Some(1),
        Some(2),
        Some(3),
        Some(0),
    ]);
    let rows: Vec<Option<&str>> = keys
        .iter()
        .map(|k| k.and_then(|k| entries[k as usize]))
        .collect();
    let code = |array: &dyn Array| {
        let mut d = Dictionary::new();
        let mut out = Vec::new();
        encode_array(&mut d, &miss, array, &mut out).unwrap();
        let labels: Vec<String> = (0..d.len() as u32).map(|c| d.label(c)).collect();
        (out, labels)
    };
    let want = code(&StringArray::from(rows));
    let values: [ArrayRef; 3] = [
        Arc::new(StringArray::from(entries.clone())),
        Arc::new(arrow_array::LargeStringArray::from(entries.clone())),
        Arc::new(StringViewArray::from(entries.clone())),
    ];
    for v in values {
        let a = DictionaryArray::<arrow_array::types::Int16Type>::try_new(keys.clone(), v).unwrap();
        assert_eq!(code(&a), want, "{:?}", a.values().data_type());
    }
    assert_eq!(want.1.len(), 3, "{want:?}");
}

#[test]
fn integers_share_codes_with_their_text_in_every_order() {
    use arrow_array::{UInt64Array, UInt8Array};
    // Values in the direct table, in the map (negative, large) and past
    // i64::MAX, seen as integers and as text, in two batches.
    let ints: Vec<i64> = (0..5000)
        .map(|i: i64| match i % 5 {
            0 => i % 97,
            1 => -(i % 13),
            2 => (i % 7) << 40,
            3 => 70_000 + i % 3,
            _ => i,
        })
        .collect();
    let text: Vec<String> = ints.iter().map(|v| v.to_string()).collect();
    let mut by_int = Dictionary::new();
    let mut by_text = Dictionary::new();
    let miss = MissingTokens::default();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for half in [&ints[..2500], &ints[2500..]] {
        encode_array(&mut by_int, &miss, &Int64Array::from(half.to_vec()), &mut a).unwrap();
    }
    let strings: Vec<&str> = text.iter().map(String::as_str).collect();
    encode_array(
        &mut by_text,
        &miss,
        &StringArray::from(strings.clone()),
        &mut b,
    )
    .unwrap();
    assert_eq!(a, b);
    assert!(by_int == by_text);
    // Text first, then integers: the cache learns codes from the text.
    let mut mixed = Dictionary::new();
    let mut c = Vec::new();
    encode_array(&mut mixed, &miss, &StringArray::from(strings), &mut c).unwrap();
    let mut d = Vec::new();
    encode_array(&mut mixed, &miss, &Int64Array::from(ints.clone()), &mut d).unwrap();
    assert_eq!(c, d);
    assert_eq!(mixed.len(), by_text.len());
    // Through bytes after integers-only: the pending codes are found,
    // and a deserialised dictionary keeps its integers' codes.
    let mut ints_only = Dictionary::new();
    let mut e = Vec::new();
    encode_array(
        &mut ints_only,
        &miss,
        &Int64Array::from(ints.clone()),
        &mut e,
    )
    .unwrap();
    let at = ints.iter().position(|&v| v == 70_001).unwrap();
    assert_eq!(ints_only.lookup(b"70001"), Some(e[at]));
    let bytes = serde_json::to_string(&ints_only).unwrap();
    let mut back: Dictionary = serde_json::from_str(&bytes).unwrap();
    let mut f = Vec::new();
    encode_array(&mut back, &miss, &Int64Array::from(ints.clone()), &mut f).unwrap();
    assert_eq!(e, f);
    assert_eq!(back.len(), ints_only.len());
    assert_eq!(
        ints_only.code(b"-12"),
        e[ints.iter().position(|&v| v == -12).unwrap()]
    );
    // Unsigned: u8 and u64 beyond i64::MAX.
    let (c8, d8) = codes(&UInt8Array::from(vec![7u8, 255, 7]));
    assert_eq!((c8, d8.label(1)), (vec![0, 1, 0], "255".to_string()));
    let big = UInt64Array::from(vec![u64::MAX, 3, u64::MAX]);
    let (cb, db) = codes(&big);
    assert_eq!((cb, db.label(0)), (vec![0, 1, 0], u64::MAX.to_string()));
}
