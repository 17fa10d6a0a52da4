//! merge(state(A), state(B)) == state(A ++ B), bit for bit, for any split,
//! batch size and thread count.

use cardrank::{PairSpec, RankParams, RankState, Ranker, Ranking, Score};
use proptest::prelude::*;

use crate::batch;

/// Rows of (f1, f2, f3, target) as small integers rendered to strings.
fn rows_strategy() -> impl Strategy<Value = Vec<(u8, u16, u8, u8)>> {
    prop::collection::vec((0u8..4, 0u16..300, 0u8..3, 0u8..3), 2..400)
}

fn columns(rows: &[(u8, u16, u8, u8)]) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("small", rows.iter().map(|r| r.0.to_string()).collect()),
        ("wide", rows.iter().map(|r| r.1.to_string()).collect()),
        (
            "sparse",
            rows.iter()
                .map(|r| {
                    if r.2 == 0 {
                        String::new()
                    } else {
                        r.2.to_string()
                    }
                })
                .collect(),
        ),
        (
            "y",
            rows.iter()
                .map(|r| (r.3 % 2 + r.0 % 2).to_string())
                .collect(),
        ),
    ]
}

fn state_of(rows: &[(u8, u16, u8, u8)], batch_size: usize, threads: usize) -> RankState {
    let mut r = Ranker::new(RankParams::new("y").threads(threads)).unwrap();
    for chunk in rows.chunks(batch_size.max(1)) {
        r.update(&batch(&columns(chunk))).unwrap();
    }
    r.into_state()
}

fn finish(state: &RankState) -> Option<String> {
    Ranking::from_state(state, Score::Adjusted)
        .ok()
        .map(|r| serde_json::to_string(&r).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn merge_equals_one_pass(
        rows in rows_strategy(),
        split in 0usize..400,
        bs_a in 1usize..97,
        bs_b in 1usize..97,
        bs_whole in 1usize..400,
        threads_a in 1usize..4,
        threads_b in 1usize..4,
    ) {
        let split = split.min(rows.len());
        let (a, b) = rows.split_at(split);
        let whole = state_of(&rows, bs_whole, 1);
        let mut merged = state_of(a, bs_a, threads_a);
        let other = state_of(b, bs_b, threads_b);
        // through bytes, as between processes
        let other = RankState::from_bytes(&other.to_bytes()).unwrap();
        merged.merge(&other).unwrap();
        prop_assert_eq!(merged.rows(), whole.rows());
        prop_assert_eq!(finish(&merged), finish(&whole));
    }

    #[test]
    fn merge_is_associative_and_commutative(
        rows in rows_strategy(),
        cut1 in 0usize..400,
        cut2 in 0usize..400,
    ) {
        let (c1, c2) = (cut1.min(rows.len()), cut2.min(rows.len()));
        let (lo, hi) = (c1.min(c2), c1.max(c2));
        let parts = [&rows[..lo], &rows[lo..hi], &rows[hi..]];
        let s: Vec<RankState> = parts.iter().map(|p| state_of(p, 17, 1)).collect();
        let mut left = s[0].clone();
        left.merge(&s[1]).unwrap();
        left.merge(&s[2]).unwrap();
        let mut right = s[2].clone();
        let mut bc = s[1].clone();
        bc.merge(&s[0]).unwrap();
        right.merge(&bc).unwrap();
        prop_assert_eq!(finish(&left), finish(&right));
    }
}

#[test]
fn thread_count_does_not_change_results() {
    let rows: Vec<(u8, u16, u8, u8)> = (0..5000u32)
        .map(|i| {
            (
                (i % 4) as u8,
                (i * 7919 % 1000) as u16,
                (i % 3) as u8,
                (i * 31 % 3) as u8,
            )
        })
        .collect();
    let one = finish(&state_of(&rows, 333, 1));
    for t in [2, 3, 8] {
        assert_eq!(finish(&state_of(&rows, 1000, t)), one);
    }
}

#[test]
fn state_bytes_round_trip_and_reject_garbage() {
    let rows: Vec<(u8, u16, u8, u8)> = (0..100u32)
        .map(|i| ((i % 4) as u8, i as u16, (i % 3) as u8, (i % 2) as u8))
        .collect();
    let s = state_of(&rows, 7, 1);
    let bytes = s.to_bytes();
    assert_eq!(RankState::from_bytes(&bytes).unwrap(), s);
    assert!(RankState::from_bytes(b"nonsense").is_err());
    assert!(RankState::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    let mut bad = bytes.clone();
    bad[4] = 99;
    let err = RankState::from_bytes(&bad).unwrap_err().to_string();
    assert!(err.contains("version 99"), "{err}");
}

#[test]
fn a_changed_byte_after_the_header_is_refused() {
    // Without the checksum, a changed count decoded as a valid state with
    // other counts (a ranking of counts nobody saw).
    let rows: Vec<(u8, u16, u8, u8)> = (0..100u32)
        .map(|i| ((i % 4) as u8, i as u16, (i % 3) as u8, (i % 2) as u8))
        .collect();
    let bytes = state_of(&rows, 7, 1).to_bytes();
    for i in 5..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut bad = bytes.clone();
            bad[i] ^= flip;
            let err = RankState::from_bytes(&bad).unwrap_err().to_string();
            assert!(err.contains("checksum"), "byte {i}: {err}");
        }
    }
    for cut in [5, 6, 12, bytes.len() - 1] {
        assert!(
            RankState::from_bytes(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(RankState::from_bytes(&longer).is_err());
}

#[test]
fn merging_different_targets_fails() {
    let b = batch(&[
        ("a", vec!["1".into(), "2".into()]),
        ("y", vec!["0".into(), "1".into()]),
        ("z", vec!["0".into(), "1".into()]),
    ]);
    let mut r1 = Ranker::new(RankParams::new("y")).unwrap();
    r1.update(&b).unwrap();
    let mut r2 = Ranker::new(RankParams::new("z")).unwrap();
    r2.update(&b).unwrap();
    let mut s = r1.into_state();
    assert!(s.merge(&r2.into_state()).is_err());
}

/// A batch longer than the encoding chunk (16,384 rows: such columns are
/// coded a slice at a time when their codes are only counted) ranks the same
/// as the same rows in short batches, and the same as when its codes are
/// kept whole (a quality tracker needs them).
#[test]
fn long_batches_coded_in_slices_rank_the_same() {
    let n = 50_000u32;
    let col = |f: &dyn Fn(u32) -> u32| (0..n).map(|i| f(i).to_string()).collect::<Vec<_>>();
    let mix = |i: u32| i.wrapping_mul(2_654_435_761);
    let cols = [
        ("wide", col(&|i| mix(i) % 30_000)),
        ("id", col(&|i| i)),
        ("small", col(&|i| (mix(i) >> 7) % 5)),
        (
            "y",
            col(&|i| u32::from((mix(i) >> 3) % 7 < 2 || i % 5000 == 0)),
        ),
    ];
    let rank = |parts: usize, quality: bool| {
        let mut r = Ranker::new(RankParams::new("y")).unwrap();
        if quality {
            r.track_quality(Default::default()).unwrap();
        }
        let step = (n as usize).div_ceil(parts);
        for start in (0..n as usize).step_by(step) {
            let end = (start + step).min(n as usize);
            let part: Vec<(&str, Vec<String>)> = cols
                .iter()
                .map(|(name, v)| (*name, v[start..end].to_vec()))
                .collect();
            r.update(&batch(&part)).unwrap();
        }
        serde_json::to_string(&r.finish().unwrap()).unwrap()
    };
    let whole = rank(1, false);
    assert_eq!(rank(7, false), whole);
    assert_eq!(rank(1, true), whole);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// `update_all` over many batches leaves the state that `update` with
    /// each in turn leaves, bit for bit (counts, dictionaries, the pairs'
    /// buffered codes, the gain's folds), also when some targets are
    /// missing (rows with r.3 == 2 and r.0 == 3 have an empty target).
    #[test]
    fn update_all_equals_update_with_each(
        rows in rows_strategy(),
        sizes in prop::collection::vec(1usize..60, 1..12),
        threads in 1usize..4,
        gain in any::<bool>(),
    ) {
        let params = || {
            RankParams::new("y")
                .threads(threads)
                .drop_missing_target(true)
                .gain(gain)
                .pairs(PairSpec::among(["small", "wide", "sparse"]))
        };
        let mut batches = Vec::new();
        let mut at = 0;
        for &n in sizes.iter().cycle() {
            if at >= rows.len() {
                break;
            }
            let part = &rows[at..(at + n).min(rows.len())];
            let mut cols = columns(part);
            for (y, r) in cols[3].1.iter_mut().zip(part) {
                if r.3 == 2 && r.0 == 3 {
                    y.clear();
                }
            }
            batches.push(batch(&cols));
            at += n;
        }
        let mut each = Ranker::new(params()).unwrap();
        for b in &batches {
            each.update(b).unwrap();
        }
        let mut all = Ranker::new(params()).unwrap();
        all.update_all(&batches).unwrap();
        prop_assert_eq!(all.state().rows(), each.state().rows());
        prop_assert!(all.state().to_bytes() == each.state().to_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Mutated state bytes (as from a file or another process) are read or
    /// refused, never a panic or an abort, whatever counts they claim.
    #[test]
    fn mutated_state_bytes_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let rows: Vec<(u8, u16, u8, u8)> = (0..60u32)
            .map(|i| ((i % 4) as u8, i as u16, (i % 3) as u8, (i % 2) as u8))
            .collect();
        let mut bytes = state_of(&rows, 7, 1).to_bytes();
        for (at, value) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        let _ = RankState::from_bytes(&bytes);
    }
}
