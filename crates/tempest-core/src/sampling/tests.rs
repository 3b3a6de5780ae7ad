use super::*;

const LOGITS: [f32; 8] = [2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -3.0];

fn dist(s: &SamplerSettings, logits: &[f32], recent: &[u32]) -> Vec<f32> {
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    s.distribution(logits, recent, &mut scratch, &mut out);
    out
}

/// Upper 0.1% point of chi-square with `k` degrees of freedom (Wilson–Hilferty), so a correct
/// sampler fails one run in a thousand at most; the seeds below are fixed, so runs are repeatable.
fn chi2_critical(k: usize) -> f64 {
    let k = k as f64;
    let z = 3.0902;
    k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
}

/// Draws `n` times from `probs` with seeded uniforms and returns the chi-square statistic against
/// `expected` (pooled over bins with expected count ≥ 5) and its degrees of freedom.
fn chi_square(probs: &[f32], expected: &[f64], n: usize, seed: u64) -> (f64, usize) {
    let mut u = Uniforms::new(seed, 1);
    let mut counts = vec![0usize; probs.len()];
    let mut buf = Vec::new();
    for _ in 0..n {
        u.next(false, &mut buf);
        counts[draw(probs, buf[0]) as usize] += 1;
    }
    let mut stat = 0.0;
    let mut bins = 0;
    for (i, &e) in expected.iter().enumerate() {
        let e = e * n as f64;
        if e >= 5.0 {
            stat += (counts[i] as f64 - e).powi(2) / e;
            bins += 1;
        } else if e == 0.0 {
            assert_eq!(counts[i], 0, "id {i} has probability 0 but was drawn");
        }
    }
    (stat, bins - 1)
}

fn reference_softmax(z: &[f32], t: f64) -> Vec<f64> {
    let e: Vec<f64> = z.iter().map(|&v| (v as f64 / t).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[test]
fn sampled_frequencies_match_softmax_at_several_temperatures() {
    for (i, t) in [0.25f32, 0.7, 1.0, 1.6, 4.0].into_iter().enumerate() {
        let p = dist(&SamplerSettings::with_temperature(t), &LOGITS, &[]);
        let expected = reference_softmax(&LOGITS, t as f64);
        let (stat, df) = chi_square(&p, &expected, 100_000, 11 + i as u64);
        assert!(stat < chi2_critical(df), "T={t}: chi2 {stat:.1} with {df} df");
    }
}

#[test]
fn sampled_frequencies_match_after_top_k_and_top_p() {
    // top-k 3 at T=1: the three largest, renormalised.
    let s = SamplerSettings { top_k: 3, ..SamplerSettings::with_temperature(1.0) };
    let full = reference_softmax(&LOGITS, 1.0);
    let mass: f64 = full[..3].iter().sum();
    let expected: Vec<f64> = full.iter().enumerate().map(|(i, p)| if i < 3 { p / mass } else { 0.0 }).collect();
    let (stat, df) = chi_square(&dist(&s, &LOGITS, &[]), &expected, 100_000, 5);
    assert!(stat < chi2_critical(df), "top-k: chi2 {stat:.1} / {df}");

    // top-p 0.8 at T=0.8: the smallest prefix reaching 0.8.
    let t = 0.8;
    let s = SamplerSettings { top_p: 0.8, ..SamplerSettings::with_temperature(t as f32) };
    let full = reference_softmax(&LOGITS, t);
    let mut cum = 0.0;
    let keep = full
        .iter()
        .position(|p| {
            cum += p;
            cum >= 0.8
        })
        .unwrap()
        + 1;
    let mass: f64 = full[..keep].iter().sum();
    let expected: Vec<f64> = full.iter().enumerate().map(|(i, p)| if i < keep { p / mass } else { 0.0 }).collect();
    let (stat, df) = chi_square(&dist(&s, &LOGITS, &[]), &expected, 100_000, 6);
    assert!(stat < chi2_critical(df), "top-p: chi2 {stat:.1} / {df}");
}

#[test]
fn a_wrong_distribution_is_caught_by_the_test() {
    // Guards the statistical test itself: sampling at T=1 must not pass as T=1.3.
    let p = dist(&SamplerSettings::with_temperature(1.0), &LOGITS, &[]);
    let (stat, df) = chi_square(&p, &reference_softmax(&LOGITS, 1.3), 100_000, 3);
    assert!(stat > chi2_critical(df), "chi2 {stat:.1} should reject");
}

#[test]
fn top_k_top_p_and_min_p_truncate_as_documented() {
    let p = dist(&SamplerSettings { top_k: 2, ..Default::default() }, &LOGITS, &[]);
    assert_eq!(p.iter().filter(|&&v| v > 0.0).count(), 2);
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);

    let p = dist(&SamplerSettings { top_p: 1e-6, ..Default::default() }, &LOGITS, &[]);
    assert_eq!(p[0], 1.0, "a tiny nucleus keeps only the most likely");

    // min-p 0.5: keep those at least half as likely as the best (e^-0.5 ≈ 0.61 stays, e^-1 goes).
    let p = dist(&SamplerSettings { min_p: 0.5, ..Default::default() }, &LOGITS, &[]);
    assert_eq!(p.iter().filter(|&&v| v > 0.0).count(), 2);
}

#[test]
fn repetition_penalty_lowers_recent_characters_only() {
    let s = SamplerSettings { repeat_penalty: 2.0, repeat_window: 2, ..Default::default() };
    let base = dist(&SamplerSettings::default(), &LOGITS, &[]);
    // ids 0 and 6 are in the window; id 1 fell out of it.
    let p = dist(&s, &LOGITS, &[1, 0, 6]);
    assert!(p[0] < base[0]);
    assert!(p[6] < base[6], "negative logits are pushed further down");
    assert!(p[1] > base[1]);
    let z: Vec<f32> = LOGITS
        .iter()
        .enumerate()
        .map(|(i, &z)| match i {
            0 => z / 2.0,
            6 => z * 2.0,
            _ => z,
        })
        .collect();
    let want = reference_softmax(&z, 1.0);
    for (a, b) in p.iter().zip(want) {
        assert!((*a as f64 - b).abs() < 1e-6);
    }
}

#[test]
fn draw_is_inverse_cdf_and_skips_zeros() {
    let p = [0.0, 0.5, 0.0, 0.5];
    assert_eq!(draw(&p, 0.0), 1);
    assert_eq!(draw(&p, 0.49), 1);
    assert_eq!(draw(&p, 0.5), 3);
    assert_eq!(draw(&p, 0.999_999), 3);
    assert_eq!(draw(&[0.3, 0.7, 0.0], 1.0), 1, "u at the top edge stays on a possible id");
}

#[test]
fn coupled_uniforms_are_shared_and_streams_are_independent_of_count() {
    let mut a = Uniforms::new(7, 3);
    let mut buf = Vec::new();
    a.next(true, &mut buf);
    assert!(buf.iter().all(|&u| u == buf[0]));
    let (mut two, mut three) = (Uniforms::new(9, 2), Uniforms::new(9, 3));
    let (mut b2, mut b3) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        two.next(false, &mut b2);
        three.next(false, &mut b3);
        assert_eq!(&b2[..], &b3[..2]);
    }
    assert_ne!(b3[0], b3[1]);
}

#[test]
fn validate_names_the_setting_and_range() {
    let err = SamplerSettings { top_p: 0.0, ..Default::default() }.validate().unwrap_err();
    assert!(err.contains("top_p") && err.contains("(0, 1]"), "{err}");
    let err = SamplerSettings::with_temperature(-1.0).validate().unwrap_err();
    assert!(err.contains("temperature"), "{err}");
}

/// The chain's truncation as the README states it, written the slow, obvious way: each stage
/// takes the distribution the previous one left, cuts it, and renormalises it, in f64. Returns
/// the final distribution and the ids kept.
fn sequential_reference(s: &SamplerSettings, logits: &[f32], tempered: &[f32]) -> (Vec<f64>, Vec<usize>) {
    let n = tempered.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    let mut dist: Vec<f64> = tempered.iter().map(|&p| p as f64).collect();
    let renormalise = |d: &mut Vec<f64>| {
        let sum: f64 = d.iter().sum();
        d.iter_mut().for_each(|v| *v /= sum);
    };
    let mut kept: Vec<usize> = order.clone();
    if s.top_k > 0 && s.top_k < n {
        kept.truncate(s.top_k);
        for &id in &order[s.top_k..] {
            dist[id] = 0.0;
        }
        renormalise(&mut dist);
    }
    if s.top_p < 1.0 {
        let mut cum = 0.0;
        let at = kept
            .iter()
            .position(|&id| {
                cum += dist[id];
                cum >= s.top_p as f64 - TOP_P_SLACK
            })
            .map_or(kept.len(), |i| i + 1);
        for &id in &kept[at..] {
            dist[id] = 0.0;
        }
        kept.truncate(at);
        renormalise(&mut dist);
    }
    if s.min_p > 0.0 {
        let max = kept.iter().map(|&id| dist[id]).fold(0.0, f64::max);
        let at = kept.iter().take_while(|&&id| dist[id] >= max * s.min_p as f64).count().max(1);
        for &id in &kept[at..] {
            dist[id] = 0.0;
        }
        kept.truncate(at);
        renormalise(&mut dist);
    }
    (dist, kept)
}

/// SplitMix64, so the generated cases are the same on every run.
fn splitmix(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Removing a stream and adding one must not hand the newcomer a random sequence some stream
/// already used: streams get ids that are never reused.
#[test]
fn a_stream_added_after_a_removal_gets_a_sequence_of_its_own() {
    let fresh = |n: usize| {
        let mut u = Uniforms::new(5, 3);
        let mut out = Vec::new();
        (0..n)
            .map(|_| {
                u.next(false, &mut out);
                out.clone()
            })
            .collect::<Vec<_>>()
    };
    let originals = fresh(8);
    let mut u = Uniforms::new(5, 3);
    u.remove(1);
    u.resize(3);
    let mut out = Vec::new();
    let mut newcomer = Vec::new();
    for step in &originals {
        u.next(false, &mut out);
        assert_eq!(out[..2], [step[0], step[2]], "the remaining streams keep their sequences");
        newcomer.push(out[2]);
    }
    for s in 0..3 {
        let theirs: Vec<f64> = originals.iter().map(|v| v[s]).collect();
        assert_ne!(newcomer, theirs, "the new stream repeats stream {s}'s sequence");
    }
    // Resetting a stream restarts its own sequence, not the one of its row number.
    u.reset_stream(2);
    u.next(false, &mut out);
    assert_eq!(out[2], newcomer[0]);
}

#[test]
fn the_penalty_window_is_the_tail_of_prime_and_text() {
    use super::{penalty_window, push_to_window};
    assert_eq!(penalty_window(&[1, 2, 3], &[4, 5], 4), vec![2, 3, 4, 5]);
    assert_eq!(penalty_window(&[1, 2, 3], &[4, 5], 10), vec![1, 2, 3, 4, 5]);
    assert_eq!(penalty_window(&[1, 2, 3], &[4, 5, 6, 7], 2), vec![6, 7]);
    assert_eq!(penalty_window(&[1, 2], &[], 0), Vec::<u32>::new());
    let mut w = penalty_window(&[], &[], 3);
    for id in 0..2000 {
        push_to_window(&mut w, id, 3);
        assert!(w.len() <= 4 * 256 && w.ends_with(&[id]));
        assert!(w.len() >= 3.min(id as usize + 1));
    }
}

fn check_against_reference(case: usize, s: &SamplerSettings, logits: &[f32]) {
    let mut tempered = Vec::new();
    softmax_t(logits, s.temperature, &mut tempered);
    let (want, kept) = sequential_reference(s, logits, &tempered);
    let got = dist(s, logits, &[]);
    let view = s.view(logits, &[]);
    let got_kept: Vec<usize> = view.order[..view.kept].iter().map(|&i| i as usize).collect();
    assert_eq!(got_kept, kept, "case {case}: kept set of {s:?} on {logits:?}");
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!((*a as f64 - b).abs() < 2e-6, "case {case}: id {i} p {a} vs {b} for {s:?} on {logits:?}");
    }
    assert_eq!(view.probs, got, "view and distribution agree");
}

#[test]
fn each_pair_of_truncations_composes_sequentially() {
    let mut next = splitmix(0x1234_5678);
    let pairs: [(bool, bool, bool); 4] =
        [(true, true, false), (true, false, true), (false, true, true), (true, true, true)];
    for case in 0..4000 {
        let (k_on, p_on, m_on) = pairs[case % 4];
        let n = 1 + (next() % 90) as usize;
        // Coarse logits, so that ties are common.
        let logits: Vec<f32> = (0..n).map(|_| (next() % 13) as f32 * 0.5 - 3.0).collect();
        let s = SamplerSettings {
            temperature: [0.0, 0.05, 0.3, 0.8, 1.0, 1.7][(next() % 6) as usize],
            top_k: if k_on { [1, 3, 10, 20, 200][(next() % 5) as usize] } else { 0 },
            top_p: if p_on { [0.5, 0.8, 0.9, 0.99][(next() % 4) as usize] } else { 1.0 },
            min_p: if m_on { [0.05, 0.1, 0.3, 0.9][(next() % 4) as usize] } else { 0.0 },
            ..Default::default()
        };
        check_against_reference(case, &s, &logits);
    }
}

#[test]
fn top_p_after_top_k_measures_the_renormalised_mass() {
    // Four equally likely characters and a long tail: top-k 4 leaves 0.25 each, so top-p 0.5
    // keeps two. Measured on the untruncated distribution it would need three or all four.
    let logits = [2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let s = SamplerSettings { top_k: 4, top_p: 0.5, ..Default::default() };
    let p = dist(&s, &logits, &[]);
    assert_eq!(p, vec![0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn truncation_keeps_the_logit_order_where_probabilities_underflow() {
    // At T 0.01 every p but the first is exactly 0; top-k 3 must keep the next two by logit,
    // not the two lowest ids.
    let logits = [0.0, -1.0, 5.0, 3.0, 1.0, 2.0];
    let s = SamplerSettings { top_k: 3, ..SamplerSettings::with_temperature(0.01) };
    let v = s.view(&logits, &[]);
    assert_eq!(v.order, vec![2, 3, 5, 4, 0, 1]);
    assert_eq!(v.kept, 3);
    assert_eq!(v.ranks(), vec![5, 6, 1, 2, 4, 3]);
    assert_eq!(rank_by_logit(&v.z, 5), 3);
}

#[test]
fn the_view_reports_kept_mass() {
    let s = SamplerSettings { top_k: 2, ..Default::default() };
    let v = s.view(&LOGITS, &[]);
    let full = reference_softmax(&LOGITS, 1.0);
    assert!((v.kept_mass as f64 - (full[0] + full[1])).abs() < 1e-6);
    assert_eq!(v.kept, 2);
    let v = SamplerSettings::default().view(&LOGITS, &[]);
    assert_eq!(v.kept, LOGITS.len());
    assert!((v.kept_mass - 1.0).abs() < 1e-6);
}
