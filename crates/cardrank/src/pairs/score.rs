//! Finishing pair and triple tables: redundancy, joint relevance, synergy.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cond::Conditional;
use super::finish::{Finisher, Scored};
use crate::error::Result;
use crate::measures;
use crate::state::RankState;

/// Redundancy of a feature pair: how much A and B tell about each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redundancy {
    /// The two features, in the order counted.
    pub features: Vec<String>,
    /// MI(A; B), plug-in, nats (equals sklearn's `mutual_info_score(A, B)`).
    pub mi: f64,
    /// Exact expected MI(A; B) under random permutation.
    pub expected_mi: f64,
    /// Adjusted mutual information of A and B (arithmetic mean).
    pub ami: f64,
    /// MI - EMI: the redundancy beyond chance, in nats (sorted by).
    pub score: f64,
    /// MI / min(H(A), H(B)): 1 when one determines the other (0 when
    /// either is constant).
    pub normalized: f64,
}

/// The relevance of a tuple of features taken as one feature (its levels
/// are the observed code tuples), and its synergy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TupleInteraction {
    /// The features, in the order counted.
    pub features: Vec<String>,
    /// Observed distinct tuples.
    pub cardinality: usize,
    /// MI(AB; Y), nats.
    pub joint_mi: f64,
    /// Exact expected MI(AB; Y) under random permutation of the target.
    pub joint_expected_mi: f64,
    /// MI(AB; Y) - EMI(AB; Y).
    pub joint_adjusted: f64,
    /// Standard deviation of MI(AB; Y) under the permutation null (binary
    /// targets).
    pub joint_null_sd: Option<f64>,
    /// (MI - EMI) / null_sd of the joint feature.
    pub joint_z: Option<f64>,
    /// log10 of the Benjamini-Hochberg q-value of `joint_z` (one-sided)
    /// across every tested pair and triple.
    pub log10_q: Option<f64>,
    /// Interaction gain, raw: MI(AB;Y) - MI(A;Y) - MI(B;Y) (minus MI(C;Y)
    /// for a triple).
    pub synergy: f64,
    /// The same with every MI replaced by MI - EMI, a member's MI - EMI
    /// counted as 0 when it is below chance (sorted by): `(MI - EMI)(AB;Y)
    /// - max(0, (MI - EMI)(A;Y)) - max(0, (MI - EMI)(B;Y))`.
    pub adjusted_synergy: f64,
    /// Triples only: `joint_adjusted` minus the best `joint_adjusted` of
    /// its three pairs, when all three pairs were counted.
    pub gain_over_pairs: Option<f64>,
}

/// Redundancy, joint relevance and synergy of every counted tuple.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interactions {
    /// Rows seen.
    pub rows: u64,
    /// The features involved.
    pub features: Vec<String>,
    /// MI - EMI of each of `features` with the target (its relevance).
    pub relevance: Vec<f64>,
    /// Its z-score against the permutation null, `(MI - EMI) / null_sd`
    /// (binary targets; `None` otherwise).
    #[serde(default)]
    pub relevance_z: Vec<Option<f64>>,
    /// Pairs counted.
    pub pairs_tested: usize,
    /// Triples counted.
    pub triples_tested: usize,
    /// Pair redundancies, most redundant (largest MI - EMI) first.
    pub redundancy: Vec<Redundancy>,
    /// Pairs, largest adjusted synergy first.
    pub pairs: Vec<TupleInteraction>,
    /// Triples, largest adjusted synergy first.
    pub triples: Vec<TupleInteraction>,
    /// Conditional relevance of each member of each pair given the other
    /// (both orders), in the order of `pairs` as counted.
    #[serde(default)]
    pub conditional: Vec<Conditional>,
}

impl Interactions {
    /// Computes every measure of every counted tuple (in parallel).
    pub fn from_state(state: &RankState) -> Result<Interactions> {
        let finisher = Finisher::new(state)?;
        let pairs = finisher.pairs();
        let scored: Vec<Scored> = (0..pairs.tuple_indices().len())
            .into_par_iter()
            .map(|t| finisher.score(t))
            .collect();
        let mut redundancy = Vec::new();
        let mut joint = Vec::new();
        let mut conditional = Vec::new();
        for (r, j, c) in scored {
            redundancy.extend(r);
            joint.push(j);
            conditional.extend(c.into_iter().flatten());
        }
        let (pair_list, triples): (Vec<_>, Vec<_>) =
            joint.into_iter().partition(|j| j.features.len() == 2);
        let (relevance, relevance_z) = (0..pairs.features().len())
            .map(|k| finisher.relevance(k))
            .unzip();
        let mut out = Interactions {
            rows: state.rows,
            features: pairs.features().to_vec(),
            relevance,
            relevance_z,
            pairs_tested: 0,
            triples_tested: 0,
            redundancy,
            pairs: pair_list,
            triples,
            conditional,
        };
        out.settle();
        Ok(out)
    }

    /// Adds the triples of `other` (e.g. counted in a later pass over the
    /// same data, for candidates chosen from these pairs); the q-values are
    /// then recomputed across every pair and triple.
    pub fn add_triples(&mut self, other: Interactions) {
        self.triples.extend(other.triples);
        self.settle();
    }

    /// Counts, Benjamini-Hochberg q-values across every pair and triple,
    /// triples' gain over their pairs, and the sort orders.
    fn settle(&mut self) {
        let log10_p: Vec<f64> = self
            .pairs
            .iter()
            .chain(&self.triples)
            .filter_map(|t| t.joint_z)
            .map(measures::log10_normal_sf)
            .collect();
        let mut q = measures::benjamini_hochberg(&log10_p).into_iter();
        for t in self.pairs.iter_mut().chain(self.triples.iter_mut()) {
            t.log10_q = t.joint_z.and_then(|_| q.next());
        }
        gain_over_pairs(&mut self.triples, &self.pairs);
        let by = |x: f64, y: f64| y.total_cmp(&x);
        let order = |a: &TupleInteraction, b: &TupleInteraction| {
            by(a.adjusted_synergy, b.adjusted_synergy).then_with(|| a.features.cmp(&b.features))
        };
        self.pairs.sort_by(order);
        self.triples.sort_by(order);
        self.redundancy
            .sort_by(|a, b| by(a.score, b.score).then_with(|| a.features.cmp(&b.features)));
        self.pairs_tested = self.pairs.len();
        self.triples_tested = self.triples.len();
    }

    /// The redundancy of two features, in either order, if counted.
    pub fn redundancy_of(&self, a: &str, b: &str) -> Option<&Redundancy> {
        self.redundancy
            .iter()
            .find(|r| same_pair(&r.features, a, b))
    }

    /// The conditional relevance of `feature` given `given`, if their pair
    /// was counted.
    pub fn conditional_of(&self, feature: &str, given: &str) -> Option<&Conditional> {
        self.conditional
            .iter()
            .find(|c| c.feature == feature && c.given == given)
    }

    /// The joint relevance and synergy of two features, if counted.
    pub fn pair_of(&self, a: &str, b: &str) -> Option<&TupleInteraction> {
        self.pairs.iter().find(|p| same_pair(&p.features, a, b))
    }
}

fn same_pair(f: &[String], a: &str, b: &str) -> bool {
    f.len() == 2 && ((f[0] == a && f[1] == b) || (f[0] == b && f[1] == a))
}

/// Fills `gain_over_pairs` of each triple whose three pairs were counted.
fn gain_over_pairs(triples: &mut [TupleInteraction], pairs: &[TupleInteraction]) {
    if triples.is_empty() {
        return;
    }
    let lookup: hashbrown::HashMap<(&str, &str), f64> = pairs
        .iter()
        .flat_map(|p| {
            let (a, b) = (p.features[0].as_str(), p.features[1].as_str());
            [((a, b), p.joint_adjusted), ((b, a), p.joint_adjusted)]
        })
        .collect();
    for t in triples.iter_mut() {
        let f = &t.features;
        let best = [(0, 1), (0, 2), (1, 2)]
            .iter()
            .map(|&(i, j)| lookup.get(&(f[i].as_str(), f[j].as_str())).copied())
            .try_fold(f64::NEG_INFINITY, |m, v| v.map(|v| m.max(v)));
        t.gain_over_pairs = best.map(|b| t.joint_adjusted - b);
    }
}
