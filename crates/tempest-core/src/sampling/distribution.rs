//! Softmax at a temperature, in log space, and the numbers read off a distribution.
//!
//! `p_i = exp(z_i/T) / Σ_j exp(z_j/T)` is computed as `exp((z_i - max z)/T - log Σ_j exp((z_j - max z)/T))`:
//! after subtracting the maximum every exponent is ≤ 0, so nothing overflows for any T > 0 and any
//! finite logits, and the largest term is exactly 1, so the sum never underflows to 0.

use crate::fastmath;

/// Temperatures at or below this are treated as 0 (argmax): below it, `1/T` would turn ordinary
/// logit gaps into exponents beyond f32's range anyway.
pub const ARGMAX_BELOW: f32 = 1e-4;

/// Writes `softmax(logits / t)` into `out`. `t == 0` (or below [`ARGMAX_BELOW`]) gives a one-hot
/// on the first maximum. Non-finite logits are treated as impossible characters.
pub fn softmax_t(logits: &[f32], t: f32, out: &mut Vec<f32>) {
    out.clear();
    out.resize(logits.len(), 0.0);
    let (arg, max) = argmax(logits);
    if t.is_nan() || t <= ARGMAX_BELOW || !max.is_finite() {
        out[arg] = 1.0;
        return;
    }
    let inv_t = 1.0 / t;
    // f32 throughout, with a vectorisable exp: after subtracting the maximum every term is in
    // [0, 1] and the largest is 1, so f32 loses nothing that matters (the sum of ≤ a few hundred
    // terms is exact to ~1e-6 relative).
    let mut sum = 0.0f32;
    for (o, &z) in out.iter_mut().zip(logits) {
        let e = if z.is_finite() { fastmath::exp((z - max) * inv_t) } else { 0.0 };
        *o = e;
        sum += e;
    }
    let inv = 1.0 / sum;
    for o in out.iter_mut() {
        *o *= inv;
    }
}

/// Index and value of the first maximum among the finite logits (index 0 if none is finite).
pub fn argmax(logits: &[f32]) -> (usize, f32) {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, &z) in logits.iter().enumerate() {
        if z.is_finite() && z > best.1 {
            best = (i, z);
        }
    }
    best
}

/// Shannon entropy in bits.
pub fn entropy_bits(probs: &[f32]) -> f32 {
    let mut h = 0.0f32;
    for &p in probs {
        // Branch-free so it vectorises; p = 0 contributes nothing.
        let term = p * fastmath::log2(p);
        h -= if p > 0.0 { term } else { 0.0 };
    }
    h.max(0.0)
}

/// Rank (1 = most likely) of `id` in `probs`; ties go to the lower id, as a stable sort would.
pub fn rank_of(probs: &[f32], id: usize) -> usize {
    let p = probs[id];
    1 + probs.iter().enumerate().filter(|&(j, &q)| q > p || (q == p && j < id)).count()
}

/// The `n` most likely ids with their probabilities, most likely first (ties: lower id first).
pub fn top_n(probs: &[f32], n: usize) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(n.min(probs.len()));
    top_n_into(probs, n, &mut out);
    out
}

/// As [`top_n`], into `out` (cleared first).
pub fn top_n_into(probs: &[f32], n: usize, out: &mut Vec<(u32, f32)>) {
    top_n_with(probs, n, out, |t| t.1, |i, p| (i, p));
}

/// The top `n` as any item type: `make(id, p)` builds an item and `prob` reads its probability
/// back. One pass that keeps the best `n` in order, with no allocation beyond `out` (cleared
/// first) and no sort of the whole distribution.
pub fn top_n_with<T>(
    probs: &[f32],
    n: usize,
    out: &mut Vec<T>,
    prob: impl Fn(&T) -> f32,
    make: impl Fn(u32, f32) -> T,
) {
    out.clear();
    let n = n.min(probs.len());
    if n == 0 {
        return;
    }
    for (i, &p) in probs.iter().enumerate() {
        // Ids arrive in increasing order, so an equal probability goes after the ones held.
        if out.len() == n && p.total_cmp(&prob(&out[n - 1])).is_le() {
            continue;
        }
        let at = out.partition_point(|q| prob(q).total_cmp(&p).is_ge());
        if out.len() == n {
            out.pop();
        }
        out.insert(at, make(i as u32, p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(logits: &[f32], t: f32) -> Vec<f64> {
        let e: Vec<f64> = logits.iter().map(|&z| (z as f64 / t as f64).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|v| v / s).collect()
    }

    #[test]
    fn matches_the_textbook_formula() {
        let z = [1.0, 2.0, 0.5, -1.0];
        let mut out = Vec::new();
        for t in [0.3, 1.0, 2.5] {
            softmax_t(&z, t, &mut out);
            for (a, b) in out.iter().zip(naive(&z, t)) {
                assert!((*a as f64 - b).abs() < 1e-6, "T={t}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn never_nan_or_inf_for_extreme_t_and_logits() {
        let z = [1e4, -1e4, 0.0, 9999.5, -3.0];
        let mut out = Vec::new();
        for t in [0.0, 1e-6, 1e-4, 1e-3, 0.01, 0.5, 1.0, 7.0, 50.0, 100.0] {
            softmax_t(&z, t, &mut out);
            assert!(out.iter().all(|p| p.is_finite() && *p >= 0.0), "T={t}: {out:?}");
            let s: f32 = out.iter().sum();
            assert!((s - 1.0).abs() < 1e-5, "T={t}: sum {s}");
        }
    }

    #[test]
    fn zero_temperature_is_argmax() {
        let mut out = Vec::new();
        softmax_t(&[0.1, 3.0, 3.0, -2.0], 0.0, &mut out);
        assert_eq!(out, vec![0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn entropy_rank_and_top_n() {
        assert!((entropy_bits(&[0.25; 4]) - 2.0).abs() < 1e-6);
        assert_eq!(entropy_bits(&[1.0, 0.0]), 0.0);
        let p = [0.1, 0.4, 0.1, 0.4];
        assert_eq!(rank_of(&p, 1), 1);
        assert_eq!(rank_of(&p, 3), 2);
        assert_eq!(rank_of(&p, 2), 4);
        assert_eq!(top_n(&p, 3), vec![(1, 0.4), (3, 0.4), (0, 0.1)]);
    }
}
