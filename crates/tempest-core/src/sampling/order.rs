//! The order of a distribution's characters: by logit, ties by id.
//!
//! Temperature never changes the order of the logits, but it can round tempered probabilities to
//! exactly 0 (always at T = 0, often at T ≤ 0.1), and truncation sets cut characters to 0. Sorting
//! by probability would then fall back to vocabulary order below the top few, so everything that
//! ranks characters — the truncations, ranks, `top` lists and the explorer's histogram — sorts by
//! the logits the chain tempered instead. Non-finite logits (impossible characters) sort last.

use std::cmp::Ordering;

#[inline]
fn key(z: f32) -> f32 {
    if z.is_finite() {
        z
    } else {
        f32::NEG_INFINITY
    }
}

/// Most likely first: larger logit first, then lower id.
#[inline]
pub fn cmp_by_logit(z: &[f32], a: u32, b: u32) -> Ordering {
    key(z[b as usize]).total_cmp(&key(z[a as usize])).then(a.cmp(&b))
}

/// Rank (1 = most likely) of `id` under the logits `z`, ties going to the lower id.
pub fn rank_by_logit(z: &[f32], id: usize) -> usize {
    let k = key(z[id]);
    1 + z.iter().enumerate().filter(|&(j, &q)| key(q) > k || (key(q) == k && j < id)).count()
}

/// Every id, most likely first.
pub fn order_by_logit(z: &[f32], out: &mut Vec<u32>) {
    out.clear();
    out.extend(0..z.len() as u32);
    out.sort_unstable_by(|&a, &b| cmp_by_logit(z, a, b));
}

/// The `n` most likely ids, most likely first, into `out` (cleared first). Selects before sorting,
/// so a short list from a large vocabulary costs little more than one pass.
pub fn top_by_logit(z: &[f32], n: usize, out: &mut Vec<u32>) {
    out.clear();
    out.extend(0..z.len() as u32);
    let n = n.min(z.len());
    if n == 0 {
        out.clear();
        return;
    }
    if n < out.len() {
        out.select_nth_unstable_by(n - 1, |&a, &b| cmp_by_logit(z, a, b));
        out.truncate(n);
    }
    out.sort_unstable_by(|&a, &b| cmp_by_logit(z, a, b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_lower_id_and_non_finite_sorts_last() {
        let z = [1.0, f32::NAN, 3.0, 1.0, f32::NEG_INFINITY, 3.0];
        let mut o = Vec::new();
        order_by_logit(&z, &mut o);
        assert_eq!(o, vec![2, 5, 0, 3, 1, 4]);
        assert_eq!(rank_by_logit(&z, 5), 2);
        assert_eq!(rank_by_logit(&z, 3), 4);
        assert_eq!(rank_by_logit(&z, 1), 5);
        top_by_logit(&z, 3, &mut o);
        assert_eq!(o, vec![2, 5, 0]);
        top_by_logit(&z, 99, &mut o);
        assert_eq!(o.len(), 6);
    }
}
