//! z-scores and q-values: defined for multiclass targets, and for every
//! feature whose z is, whatever the other columns are.

use cardrank::{Ranking, Score};

use crate::batch;
use crate::conditional::Rng;

fn ranking(classes: u64, with_id: bool) -> Ranking {
    let mut rng = Rng(17);
    let rows = 3_000;
    let (mut good, mut weak, mut noise, mut id, mut y) = (vec![], vec![], vec![], vec![], vec![]);
    for r in 0..rows {
        let g = rng.below(4);
        let w = rng.below(3);
        let c = if rng.below(3) == 0 {
            g % classes
        } else if rng.below(8) == 0 {
            w % classes
        } else {
            rng.below(classes)
        };
        good.push(format!("g{g}"));
        weak.push(format!("w{w}"));
        noise.push(format!("n{}", rng.below(5)));
        id.push(format!("row{r}"));
        y.push(format!("c{c}"));
    }
    let mut cols = vec![("good", good), ("weak", weak), ("noise", noise)];
    if with_id {
        cols.push(("row_id", id));
    }
    cols.push(("y", y));
    let mut r = cardrank::Ranker::new(cardrank::RankParams::new("y")).unwrap();
    r.update(&batch(&cols)).unwrap();
    Ranking::from_state(r.state(), Score::Adjusted).unwrap()
}

fn get<'a>(r: &'a Ranking, name: &str) -> &'a cardrank::FeatureScore {
    r.features.iter().find(|f| f.feature == name).unwrap()
}

#[test]
fn a_row_id_column_leaves_the_other_q_values_defined() {
    for classes in [2, 4] {
        let with = ranking(classes, true);
        let id = get(&with, "row_id");
        // One row per value: MI is H(Y) under every permutation.
        assert_eq!(id.null_sd, Some(0.0));
        assert_eq!((id.z, id.log10_q), (None, None));
        let without = ranking(classes, false);
        for name in ["good", "weak", "noise"] {
            let (a, b) = (get(&with, name), get(&without, name));
            let q = a.log10_q.unwrap_or(f64::NAN);
            assert!(q.is_finite() && q <= 0.0, "{classes} classes, {name}: {q}");
            // The id column is no test: the others' q-values are as without it.
            assert_eq!(a.log10_q, b.log10_q, "{classes} classes, {name}");
        }
        assert!(get(&with, "good").log10_q.unwrap() < -10.0);
        assert!(get(&with, "noise").log10_q.unwrap() > -1.3);
    }
}

#[test]
fn multiclass_targets_get_z_scores() {
    let r = ranking(4, false);
    assert_eq!(r.classes, 4);
    for f in &r.features {
        assert!(f.null_sd.is_some_and(|s| s > 0.0), "{}", f.feature);
        assert!(f.z.is_some() && f.log10_q.is_some(), "{}", f.feature);
    }
    assert!(get(&r, "good").z.unwrap() > 10.0);
    assert!(get(&r, "weak").z.unwrap() > 3.0);
    assert!(get(&r, "noise").z.unwrap().abs() < 3.0);
}
