//! The generative model behind [`Generator`](super::Generator): columns,
//! level distributions, effects and the per-row sampler.
//!
//! Rows are drawn in fixed blocks of [`BLOCK_ROWS`]; each block has its own
//! PCG-64 stream derived from `(seed, block)`, so the data depend only on the
//! seed and never on how rows are grouped into batches.

use rand::{Rng, RngCore, SeedableRng};
use rand_pcg::Pcg64;

/// Rows drawn from one random stream; batch boundaries do not matter.
pub(crate) const BLOCK_ROWS: u64 = 4096;

/// The code of a missing value (written as the empty string).
pub(crate) const MISSING: u32 = u32::MAX;

/// Logit added when `xor_a != xor_b` (and subtracted otherwise).
const XOR_EFFECT: f64 = 0.8;

/// Stream ids for the model's parameters and the intercept calibration.
const PARAM_STREAM: u64 = u64::MAX;
const CALIBRATION_STREAM: u64 = u64::MAX - 1;

/// Rows drawn to choose the intercept.
const CALIBRATION_ROWS: usize = 50_000;

/// SplitMix64 finaliser: a bijection on `u64` that mixes well.
pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A bijection on `u32`, used to turn level numbers into opaque tokens.
fn mix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846C_A68B);
    x ^ (x >> 16)
}

/// The random stream for `stream` (a row block, or a fixed id) of `seed`.
pub(crate) fn stream_rng(seed: u64, stream: u64) -> Pcg64 {
    let s = splitmix64(seed);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&splitmix64(s ^ stream).to_le_bytes());
    bytes[8..16].copy_from_slice(&splitmix64(s.wrapping_add(stream).rotate_left(17)).to_le_bytes());
    bytes[16..24].copy_from_slice(&stream.to_le_bytes());
    bytes[24..].copy_from_slice(&s.to_le_bytes());
    Pcg64::from_seed(bytes)
}

/// Walker/Vose alias table: O(1) sampling from a discrete distribution.
pub(crate) struct Alias {
    /// Acceptance threshold of each bin, scaled to `u32`.
    prob: Vec<u32>,
    alias: Vec<u32>,
}

impl Alias {
    /// Zipf-like weights `1 / (i + 1)^s` over `k` levels (`s = 0`: uniform).
    pub(crate) fn zipf(k: usize, s: f64) -> Alias {
        Alias::new(&zipf_weights(k, s))
    }

    fn new(weights: &[f64]) -> Alias {
        let k = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * k as f64 / total).collect();
        let mut prob = vec![u32::MAX; k];
        let mut alias: Vec<u32> = (0..k as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..k).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = (scaled[s] * 4_294_967_296.0).min(u32::MAX as f64) as u32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }

    /// Draws a level from 64 random bits.
    #[inline]
    pub(crate) fn sample(&self, bits: u64) -> u32 {
        let bin = (((bits >> 32) * self.prob.len() as u64) >> 32) as usize;
        match self.prob.get(bin) {
            Some(&p) if (bits as u32) < p => bin as u32,
            Some(_) => self.alias[bin],
            None => 0,
        }
    }
}

/// How a feature's values are spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spelling {
    /// Eight hex digits, a bijection of the level (like hashed log tokens).
    Hex(u32),
    /// The level number itself (`0`, `1`).
    Digit,
}

/// How the levels of a feature act on the click logit.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Effect {
    /// No effect: a noise feature.
    None,
    /// Each level draws a normal effect with this standard deviation.
    Normal(f64),
    /// Each level is +d or -d at random: a strong two-group signal.
    TwoGroup(f64),
}

/// What one sampled feature looks like.
pub(crate) struct FeatureSpec {
    pub name: String,
    pub levels: usize,
    pub zipf: f64,
    pub effect: Effect,
    pub missing: f64,
    pub spelling: Spelling,
}

/// A sampled feature with its drawn parameters.
pub(crate) struct Feature {
    pub name: String,
    pub alias: Alias,
    /// Logit effect per level; empty for noise.
    pub effects: Vec<f64>,
    /// Probability of a missing value, scaled to `u32` (0: never).
    pub missing: u32,
    pub spelling: Spelling,
}

/// The whole model: features, the XOR pair and the intercept.
pub(crate) struct Model {
    pub features: Vec<Feature>,
    /// Indices (into `features`) of `xor_a` and `xor_b`.
    pub xor: (usize, usize),
    pub intercept: f64,
}

/// Zipf-like weights `1 / (i + 1)^s`, summing to 1.
fn zipf_weights(k: usize, s: f64) -> Vec<f64> {
    let w: Vec<f64> = (0..k).map(|i| ((i + 1) as f64).powf(-s)).collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// Shifts and scales effects to weighted mean 0 and weighted sd `sd`, so a
/// feature's strength does not hang on the luck of a few draws.
fn standardize(effects: Vec<f64>, weights: &[f64], sd: f64) -> Vec<f64> {
    let mean: f64 = effects.iter().zip(weights).map(|(e, w)| e * w).sum();
    let var: f64 = effects
        .iter()
        .zip(weights)
        .map(|(e, w)| w * (e - mean).powi(2))
        .sum();
    let scale = if var > 0.0 { sd / var.sqrt() } else { 0.0 };
    effects.into_iter().map(|e| (e - mean) * scale).collect()
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut Pcg64) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

impl Model {
    /// Draws the parameters for `specs` and calibrates the intercept so the
    /// click rate is close to `base_rate`.
    pub(crate) fn new(
        specs: Vec<FeatureSpec>,
        xor: (usize, usize),
        seed: u64,
        base_rate: f64,
    ) -> Model {
        let mut rng = stream_rng(seed, PARAM_STREAM);
        let features = specs
            .into_iter()
            .map(|s| {
                let effects = match s.effect {
                    Effect::None => Vec::new(),
                    Effect::Normal(sd) => {
                        let raw: Vec<f64> = (0..s.levels).map(|_| normal(&mut rng)).collect();
                        standardize(raw, &zipf_weights(s.levels, s.zipf), sd)
                    }
                    Effect::TwoGroup(d) => {
                        // Exactly half the levels up, half down, in random order.
                        let mut e: Vec<f64> = (0..s.levels)
                            .map(|i| if i % 2 == 0 { d } else { -d })
                            .collect();
                        for i in (1..e.len()).rev() {
                            e.swap(i, rng.random_range(0..=i));
                        }
                        e
                    }
                };
                let spelling = match s.spelling {
                    Spelling::Hex(_) => Spelling::Hex(rng.next_u32()),
                    Spelling::Digit => Spelling::Digit,
                };
                Feature {
                    name: s.name,
                    alias: Alias::zipf(s.levels, s.zipf),
                    effects,
                    missing: (s.missing * 4_294_967_296.0).min(u32::MAX as f64) as u32,
                    spelling,
                }
            })
            .collect();
        let mut model = Model {
            features,
            xor,
            intercept: 0.0,
        };
        model.intercept = model.calibrate(seed, base_rate);
        model
    }

    /// Draws one row's feature codes into `codes`; returns the summed logit
    /// effect of the features (without the intercept).
    #[inline]
    pub(crate) fn sample_levels(&self, rng: &mut Pcg64, codes: &mut [u32]) -> f64 {
        let mut logit = 0.0;
        for (f, code) in self.features.iter().zip(codes.iter_mut()) {
            if f.missing > 0 && rng.next_u32() < f.missing {
                *code = MISSING;
                continue;
            }
            let c = f.alias.sample(rng.next_u64());
            if let Some(e) = f.effects.get(c as usize) {
                logit += e;
            }
            *code = c;
        }
        let a = codes.get(self.xor.0).copied().unwrap_or(0);
        let b = codes.get(self.xor.1).copied().unwrap_or(0);
        logit + if a != b { XOR_EFFECT } else { -XOR_EFFECT }
    }

    /// Draws one whole row: the codes and the click.
    #[inline]
    pub(crate) fn sample_row(&self, rng: &mut Pcg64, codes: &mut [u32]) -> bool {
        let logit = self.intercept + self.sample_levels(rng, codes);
        rng.random::<f64>() < sigmoid(logit)
    }

    /// Chooses the intercept by bisection so that the mean click
    /// probability over a fixed sample of rows equals `base_rate`.
    fn calibrate(&self, seed: u64, base_rate: f64) -> f64 {
        let mut rng = stream_rng(seed, CALIBRATION_STREAM);
        let mut codes = vec![0u32; self.features.len()];
        let sums: Vec<f64> = (0..CALIBRATION_ROWS)
            .map(|_| self.sample_levels(&mut rng, &mut codes))
            .collect();
        let rate = |b: f64| sums.iter().map(|s| sigmoid(b + s)).sum::<f64>() / sums.len() as f64;
        let (mut lo, mut hi) = (-60.0, 60.0);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if rate(mid) < base_rate {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Spells a level into `buf`, returning the text (empty when missing).
#[inline]
pub(crate) fn spell(spelling: Spelling, code: u32, buf: &mut [u8; 16]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if code == MISSING {
        return "";
    }
    let len = match spelling {
        Spelling::Hex(salt) => {
            let v = mix32(code.wrapping_add(salt));
            for (i, b) in buf[..8].iter_mut().enumerate() {
                *b = HEX[((v >> (28 - 4 * i)) & 0xF) as usize];
            }
            8
        }
        Spelling::Digit => {
            let mut v = code;
            let mut tmp = [0u8; 10];
            let mut n = 0;
            loop {
                tmp[n] = b'0' + (v % 10) as u8;
                n += 1;
                v /= 10;
                if v == 0 {
                    break;
                }
            }
            for (i, b) in buf[..n].iter_mut().enumerate() {
                *b = tmp[n - 1 - i];
            }
            n
        }
    };
    std::str::from_utf8(&buf[..len]).unwrap_or("")
}

/// Sixteen hex digits of a row's ID-like value (unique per row and seed).
pub(crate) fn spell_row_id(seed: u64, row: u64, buf: &mut [u8; 16]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let v = splitmix64(row ^ splitmix64(seed ^ 0x1D_1D1D));
    for (i, b) in buf.iter_mut().enumerate() {
        *b = HEX[((v >> (60 - 4 * i)) & 0xF) as usize];
    }
    std::str::from_utf8(buf).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_matches_weights() {
        let alias = Alias::zipf(5, 1.0);
        let mut rng = stream_rng(1, 1);
        let mut counts = [0u32; 5];
        let n = 200_000;
        for _ in 0..n {
            counts[alias.sample(rng.next_u64()) as usize] += 1;
        }
        let h: f64 = (1..=5).map(|i| 1.0 / i as f64).sum();
        for (i, &c) in counts.iter().enumerate() {
            let expected = n as f64 / ((i + 1) as f64 * h);
            assert!(
                (c as f64 - expected).abs() < 5.0 * expected.sqrt(),
                "{i}: {c} vs {expected}"
            );
        }
    }

    #[test]
    fn spelling_is_a_bijection() {
        let mut seen = std::collections::BTreeSet::new();
        let mut buf = [0u8; 16];
        for code in 0..10_000 {
            assert!(seen.insert(spell(Spelling::Hex(7), code, &mut buf).to_string()));
        }
        assert_eq!(spell(Spelling::Digit, 1203, &mut buf), "1203");
        assert_eq!(spell(Spelling::Digit, 0, &mut buf), "0");
        assert_eq!(spell(Spelling::Hex(7), MISSING, &mut buf), "");
        assert_eq!(spell_row_id(1, 2, &mut buf).len(), 16);
    }

    #[test]
    fn streams_differ() {
        let a = stream_rng(1, 0).next_u64();
        let b = stream_rng(0, 1).next_u64();
        let c = stream_rng(1, 1).next_u64();
        assert!(a != b && a != c && b != c);
    }
}
