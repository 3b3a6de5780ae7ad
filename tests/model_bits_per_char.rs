//! The pane's bits/char figure is measured under the model at T = 1, not under the tempered
//! distribution the character was drawn from (which on average only repeats the entropy H). So
//! panes at different temperatures, on the same model, get different figures: the low-T text is
//! the model's most likely, the high-T text its least.

use tempest::explorer::app::PaneState;
use tempest::explorer::ui::pane::bottom_title;
use tempest_core::analysis::LoopSettings;
use tempest_core::generate::Generator;
use tempest_core::sampling::SamplerSettings;

#[test]
fn panes_at_different_t_get_different_t1_bits_per_char_from_the_same_model() {
    let ckpt = tempest_core::assets::load_model(None).unwrap();
    let temps = [0.3, 1.0, 1.6];
    let settings: Vec<SamplerSettings> = temps.iter().map(|&t| SamplerSettings::with_temperature(t)).collect();
    let mut gen = Generator::new(ckpt.model.stepper(3), ckpt.vocab.clone(), settings.clone(), 11, false).unwrap();
    gen.prime(&ckpt.vocab.encode("KING HENRY:\n", Default::default()).unwrap()).unwrap();
    let loops = LoopSettings { max_period: 64, min_repeats: 2, min_span: 12 };
    let mut panes: Vec<PaneState> = settings.iter().map(|s| PaneState::new(*s, 10_000, loops, 400)).collect();
    for _ in 0..400 {
        for (pane, d) in panes.iter_mut().zip(gen.step().unwrap()) {
            pane.push(d);
        }
    }
    let s: Vec<_> = panes.iter().map(|p| p.summary()).collect();
    let t1: Vec<f32> = s.iter().map(|s| s.mean_model_surprisal_bits).collect();
    // Cooler text is more likely under the model: the figure rises with T, clearly.
    assert!(t1[0] + 0.5 < t1[1] && t1[1] + 0.5 < t1[2], "bits/char at T=1 by pane: {t1:?}");
    // At T = 1 the two surprisals are the same numbers; away from it they part.
    assert!((s[1].mean_surprisal_bits - t1[1]).abs() < 1e-4, "{:?}", s[1]);
    assert!((s[0].mean_surprisal_bits - t1[0]).abs() > 0.1, "{:?}", s[0]);
    assert!((s[2].mean_surprisal_bits - t1[2]).abs() > 0.1, "{:?}", s[2]);
    // And the pane's bottom border shows the T = 1 figure first.
    for (p, v) in panes.iter().zip(&t1) {
        let parts = bottom_title(p, 60);
        assert_eq!(parts[0], format!("{v:.2} bits/ch at T=1"), "{parts:?}");
    }
}
