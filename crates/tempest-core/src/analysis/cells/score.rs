//! How well one unit's activation tracks a feature of the text.
//!
//! - A yes/no feature (inside quotes, start of a word, ...) is scored by the **AUC**: the
//!   probability that the unit is higher at a random position where the feature holds than at a
//!   random position where it does not (ties count one half). 1 means the unit is on exactly where
//!   the feature is, 0 that it is off exactly there (also a perfect detector, of the opposite
//!   sign), 0.5 that it carries no information. Being rank-based it does not care about scale, so
//!   a cell state `c` in the tens and an output `h` in [-1, 1] compare fairly.
//! - A numeric feature (depth, position in the line) is scored by **Pearson's correlation** r.
//!
//! Units are ranked by [`Score::strength`]: |AUC − 0.5| · 2 or |r|, both in [0, 1].

use serde::Serialize;

/// A unit's score on one feature.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Score {
    /// Area under the ROC curve, in [0, 1], for a yes/no feature; 0.5 is no information.
    Auc(f64),
    /// Pearson's r, in [-1, 1], for a numeric feature; 0 is no linear relation.
    Correlation(f64),
}

impl Score {
    /// How strongly the unit tracks the feature, whatever the sign: in [0, 1].
    pub fn strength(&self) -> f64 {
        match *self {
            Score::Auc(a) => (2.0 * (a - 0.5)).abs(),
            Score::Correlation(r) => r.abs(),
        }
    }

    /// Whether the unit goes *up* with the feature.
    pub fn positive(&self) -> bool {
        match *self {
            Score::Auc(a) => a >= 0.5,
            Score::Correlation(r) => r >= 0.0,
        }
    }

    /// The AUC or r itself, sign and all.
    pub fn value(&self) -> f64 {
        match *self {
            Score::Auc(v) | Score::Correlation(v) => v,
        }
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Score::Auc(a) => write!(f, "AUC {a:.3}"),
            Score::Correlation(r) => write!(f, "r {r:+.3}"),
        }
    }
}

/// The rank of every value (1-based, ties get the mean of their ranks), for [`auc_from_ranks`].
/// NaNs rank lowest.
pub fn ranks(values: &[f32]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    let key = |i: usize| if values[i].is_nan() { f32::NEG_INFINITY } else { values[i] };
    order.sort_unstable_by(|&a, &b| key(a).total_cmp(&key(b)));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && key(order[j]) == key(order[i]) {
            j += 1;
        }
        // Positions i..j (0-based) share ranks i+1..=j: their mean.
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            out[k] = r;
        }
        i = j;
    }
    out
}

/// The AUC of `labels` given the ranks of the unit's values (Mann–Whitney U / (n₊ n₋)). `None`
/// when one class is empty.
pub fn auc_from_ranks(ranks: &[f64], labels: &[bool]) -> Option<f64> {
    debug_assert_eq!(ranks.len(), labels.len());
    let (mut pos, mut sum) = (0usize, 0.0f64);
    for (&r, &l) in ranks.iter().zip(labels) {
        if l {
            pos += 1;
            sum += r;
        }
    }
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let (p, n) = (pos as f64, neg as f64);
    Some((sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// The AUC of one unit's `values` for `labels`.
pub fn auc(values: &[f32], labels: &[bool]) -> Option<f64> {
    auc_from_ranks(&ranks(values), labels)
}

/// Pearson's r between `x` and `y`; `None` when either is constant.
pub fn correlation(x: &[f32], y: &[f32]) -> Option<f64> {
    debug_assert_eq!(x.len(), y.len());
    let n = x.len() as f64;
    if x.is_empty() {
        return None;
    }
    let (mx, my) = (x.iter().map(|&v| v as f64).sum::<f64>() / n, y.iter().map(|&v| v as f64).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a as f64 - mx, b as f64 - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // Constant (up to float noise) means no correlation can be measured.
    if sxx <= 1e-12 * n || syy <= 1e-12 * n {
        return None;
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r.clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn auc_is_one_for_a_perfect_detector_zero_for_an_inverted_one_and_half_for_noise() {
        let labels = [false, true, true, false, true];
        assert_eq!(auc(&[0.1, 0.9, 0.8, 0.2, 0.7], &labels), Some(1.0));
        assert_eq!(auc(&[0.9, 0.1, 0.2, 0.8, 0.3], &labels), Some(0.0));
        assert_eq!(auc(&[1.0; 5], &labels), Some(0.5));
        assert_eq!(auc(&[1.0; 3], &[true; 3]), None);
    }

    #[test]
    fn auc_counts_pairs() {
        // Positives {2, 4}, negatives {1, 3}: pairs won (2>1), (4>1), (4>3); lost (2<3): 3/4.
        assert_eq!(auc(&[2.0, 4.0, 1.0, 3.0], &[true, true, false, false]), Some(0.75));
    }

    #[test]
    fn correlation_matches_hand_values() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((correlation(&x, &[2.0, 4.0, 6.0, 8.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((correlation(&x, &[8.0, 6.0, 4.0, 2.0]).unwrap() + 1.0).abs() < 1e-12);
        // y = (x - 2.5)^2 is symmetric about the mean of x: r = 0.
        assert!(correlation(&x, &[2.25, 0.25, 0.25, 2.25]).unwrap().abs() < 1e-12);
        assert_eq!(correlation(&x, &[1.0; 4]), None);
    }

    #[test]
    fn strength_ignores_sign() {
        assert!((Score::Auc(0.1).strength() - 0.8).abs() < 1e-12);
        assert!(!Score::Auc(0.1).positive());
        assert!((Score::Correlation(-0.7).strength() - 0.7).abs() < 1e-12);
    }
}
