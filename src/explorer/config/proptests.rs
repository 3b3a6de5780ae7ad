//! Property tests of config loading: a config file with random keys (known and unknown) holding
//! random values of every TOML type, extremes included (NaN, infinities, i64::MIN, 100 KB strings,
//! control characters), must give either a configuration whose every setting is in its range, or
//! one clear line naming the problem. Never a panic, never a message that repeats a huge value.

use proptest::prelude::*;
use tempfile::TempDir;
use toml::{Table, Value};

use super::*;
use tempest_core::limits;

/// Longest error message allowed (plus the temp file's path): a long value is quoted as an excerpt.
const MAX_MESSAGE: usize = 700;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop_oneof![
            any::<i64>(),
            Just(0i64), Just(1), Just(-1), Just(i64::MAX), Just(i64::MIN), Just(100), Just(10_000), Just(1 << 40),
            0i64..3000,
        ].prop_map(Value::Integer),
        3 => prop_oneof![
            any::<f64>(),
            Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(-0.0), Just(1e300), Just(5e-324),
            -1.0f64..6.0,
        ].prop_map(Value::Float),
        2 => prop_oneof![
            ".{0,12}",
            Just("yellow".to_string()), Just("52".to_string()), Just("#ff00aa".to_string()),
            Just("\u{1b}]0;pwned\u{7}".to_string()), Just("KING HENRY:\n".to_string()),
            (1usize..100_000).prop_map(|n| "y".repeat(n)),
        ].prop_map(Value::String),
        1 => any::<bool>().prop_map(Value::Boolean),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => leaf(),
        1 => prop::collection::vec(leaf(), 0..4).prop_map(Value::Array),
        1 => prop::collection::btree_map("[a-z_]{1,8}", leaf(), 0..3).prop_map(|m| Value::Table(m.into_iter().collect())),
    ]
}

const PANE_KEYS: &[&str] = &["temperature", "top_k", "top_p", "min_p", "repeat_penalty", "repeat_window"];

fn pane() -> impl Strategy<Value = Value> {
    let sane = prop_oneof![(0.0f64..5.0).prop_map(Value::Float), (0i64..6).prop_map(Value::Integer)];
    (prop::option::weighted(0.9, sane), prop::collection::vec((prop::sample::select(PANE_KEYS), value()), 0..3))
        .prop_map(|(t, rest)| {
            let mut tab = Table::new();
            if let Some(t) = t {
                tab.insert("temperature".into(), t);
            }
            for (k, v) in rest {
                tab.insert(k.to_string(), v);
            }
            Value::Table(tab)
        })
}

fn panes() -> impl Strategy<Value = Value> {
    prop_oneof![4 => prop::collection::vec(pane(), 0..9).prop_map(Value::Array), 1 => value()]
}

/// (section, key) pairs the config knows, plus a few it does not.
const KEYS: &[(&str, &str)] = &[
    ("", "model"),
    ("", "prime"),
    ("", "seed"),
    ("", "coupled"),
    ("speed", "chars_per_sec"),
    ("speed", "max"),
    ("histogram", "top_n"),
    ("history", "chars"),
    ("loops", "max_period"),
    ("loops", "min_repeats"),
    ("loops", "min_span"),
    ("metrics", "window"),
    ("colors", "focus_border"),
    ("colors", "rank_1"),
    ("", "nonsense"),
    ("speed", "warp"),
    ("unknown_section", "x"),
];

fn document() -> impl Strategy<Value = Table> {
    let entries = prop::collection::vec((prop::sample::select(KEYS), value()), 0..6);
    let presets = prop::option::weighted(
        0.2,
        prop::collection::vec((prop::option::of(".{0,8}"), panes()), 0..3).prop_map(|ps| {
            Value::Array(
                ps.into_iter()
                    .map(|(name, panes)| {
                        let mut t = Table::new();
                        if let Some(n) = name {
                            t.insert("name".into(), Value::String(n));
                        }
                        t.insert("panes".into(), panes);
                        Value::Table(t)
                    })
                    .collect(),
            )
        }),
    );
    (entries, prop::option::weighted(0.5, panes()), presets).prop_map(|(entries, panes, presets)| {
        let mut doc = Table::new();
        for ((section, key), v) in entries {
            if section.is_empty() {
                doc.insert(key.to_string(), v);
            } else if let Value::Table(t) = doc.entry(section.to_string()).or_insert_with(|| Value::Table(Table::new()))
            {
                t.insert(key.to_string(), v);
            }
        }
        if let Some(p) = panes {
            doc.insert("panes".into(), p);
        }
        if let Some(p) = presets {
            doc.insert("presets".into(), p);
        }
        doc
    })
}

/// Values of the right type near their ranges, so that many documents are valid and the
/// accepted side is exercised too.
fn plausible() -> impl Strategy<Value = Table> {
    let num = |hi: i64| prop_oneof![(0..=hi).prop_map(Value::Integer), (0.0..hi as f64).prop_map(Value::Float)];
    let sane_pane = (0.0f64..5.5, 0i64..80, 0.01f64..1.0, 0.0f64..1.0).prop_map(|(t, k, p, m)| {
        let mut tab = Table::new();
        tab.insert("temperature".into(), Value::Float(t));
        tab.insert("top_k".into(), Value::Integer(k));
        tab.insert("top_p".into(), Value::Float(p));
        tab.insert("min_p".into(), Value::Float(m));
        Value::Table(tab)
    });
    (
        prop::collection::vec(sane_pane, 0..8),
        0i64..3000,
        num(2_000_000),
        prop::sample::select(vec!["yellow", "52", "light_cyan", "#00ff00", "mauve", ""]),
        (0i64..5000, 0i64..20, 0i64..200),
        any::<bool>(),
    )
        .prop_map(|(panes, speed, history, color, (period, repeats, span), max)| {
            let doc = format!(
                "[speed]\nchars_per_sec = {speed}\nmax = {max}\n[history]\nchars = {history}\n\
                 [colors]\nfocus_border = \"{color}\"\n[loops]\nmax_period = {period}\nmin_repeats = {repeats}\n\
                 min_span = {span}\n"
            );
            let mut t: Table = doc.parse().expect("well-formed");
            if !panes.is_empty() {
                t.insert("panes".into(), Value::Array(panes));
            }
            t
        })
}

fn load_text(text: &str) -> (Result<Config, ConfigError>, String) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("random.toml");
    std::fs::write(&path, text).unwrap();
    (Config::load_layers(None, Some(&path), &Overrides::default()), path.display().to_string())
}

fn check_valid(c: &Config) -> Result<(), TestCaseError> {
    prop_assert!(limits::PANES.contains(c.panes.len()), "{} panes", c.panes.len());
    for s in &c.panes {
        prop_assert!(s.validate().is_ok() && limits::PANE_TEMPERATURE.contains(s.temperature), "{s:?}");
    }
    for p in &c.presets {
        prop_assert!(limits::PANES.contains(p.panes.len()), "preset {:?}: {} panes", p.name, p.panes.len());
        for s in &p.panes {
            prop_assert!(s.validate().is_ok() && limits::PANE_TEMPERATURE.contains(s.temperature), "{s:?}");
        }
    }
    prop_assert!(limits::SPEED.contains(c.speed.chars_per_sec), "speed {}", c.speed.chars_per_sec);
    prop_assert!(limits::HISTOGRAM_TOP_N.contains(c.histogram.top_n));
    prop_assert!(limits::HISTORY_CHARS.contains(c.history.chars));
    prop_assert!(limits::METRICS_WINDOW.contains(c.metrics.window));
    prop_assert!(limits::LOOP_MAX_PERIOD.contains(c.loops.max_period));
    prop_assert!(limits::LOOP_MIN_REPEATS.contains(c.loops.min_repeats));
    prop_assert!(limits::LOOP_MIN_SPAN.contains(c.loops.min_span));
    prop_assert!(limits::SEED.contains(c.seed));
    Ok(())
}

/// A table written as TOML and loaded: either a config in range or one clear line.
fn check_document(doc: &Table) -> Result<(), TestCaseError> {
    let text = toml::to_string(doc).expect("any table serializes");
    let (result, path) = load_text(&text);
    match result {
        Ok(c) => check_valid(&c),
        Err(e) => check_error(&e, &path),
    }
}

fn check_error(e: &ConfigError, path: &str) -> Result<(), TestCaseError> {
    let m = e.message();
    prop_assert!(!m.trim().is_empty());
    prop_assert!(!m.contains('\n'), "more than one line: {m}");
    prop_assert!(m.len() <= MAX_MESSAGE + path.len(), "{} bytes: {}", m.len(), m.chars().take(300).collect::<String>());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Well-formed TOML with random keys and values: a valid config or one clear line.
    #[test]
    fn random_config_values_give_a_valid_config_or_one_clear_line(doc in document()) {
        check_document(&doc)?;
    }

    /// Plausible values, many valid: every accepted config is in range, every refusal one line.
    #[test]
    fn plausible_config_values_give_a_valid_config_or_one_clear_line(doc in plausible()) {
        check_document(&doc)?;
    }

    /// Any text at all (mostly not TOML): refused or accepted, never a panic. toml's own syntax
    /// errors keep their caret under the fault, so they may take a few lines.
    #[test]
    fn random_config_text_never_panics(text in prop_oneof![".{0,200}", "[a-z_=\\[\\]\" .0-9\n]{0,200}"]) {
        let (result, _) = load_text(&text);
        if let Ok(c) = result {
            check_valid(&c)?;
        }
    }
}

/// Found by the property above: a 500 KB colour name was repeated whole in the error.
#[test]
fn a_huge_bad_value_is_quoted_as_a_short_excerpt() {
    let (result, path) = load_text(&format!("[colors]\nfocus_border = \"{}\"\n", "y".repeat(500_000)));
    let e = result.unwrap_err();
    assert!(e.message().len() < 400 + path.len(), "{} bytes", e.message().len());
    assert!(e.message().contains("is not a colour"), "{}", e.message());
}
