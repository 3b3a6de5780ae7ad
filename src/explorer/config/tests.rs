use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ratatui::style::Color;
use tempfile::TempDir;
use toml::{Table, Value};

use super::*;

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load(user: Option<&Path>, explicit: Option<&Path>, o: &Overrides) -> Result<Config, ConfigError> {
    Config::load_layers(user, explicit, o)
}

/// The error message of loading just an explicit file with `text`, with `{}` standing for its path.
fn explicit_error(text: &str) -> (String, String) {
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "my.toml", text);
    let e = load(None, Some(&p), &Overrides::default()).unwrap_err().to_string();
    (e, p.display().to_string())
}

fn temps(c: &Config) -> Vec<f32> {
    c.panes.iter().map(|s| s.temperature).collect()
}

#[test]
fn the_default_config_validates_with_the_documented_values() {
    let c = Config::default_config();
    assert_eq!(c.model, None);
    assert_eq!(c.prime, "KING HENRY:\n");
    assert_eq!(c.seed, 7);
    assert!(!c.coupled);
    assert_eq!(temps(&c), [0.05, 1.0, 1.5]);
    // Only temperature is set in default.toml's panes; the rest is the sampler's default.
    for s in &c.panes {
        assert_eq!(*s, SamplerSettings::with_temperature(s.temperature));
    }
    assert_eq!(c.speed, SpeedConfig { chars_per_sec: 25.0, max: false });
    assert_eq!(c.histogram.top_n, 20);
    assert_eq!(c.history.chars, 10_000);
    assert_eq!(c.loops, LoopSettings { max_period: 256, min_repeats: 2, min_span: 24 });
    assert_eq!(c.metrics.window, 256);
    assert_eq!(c.colors.focus_border, Color::Yellow);
    assert_eq!(c.colors.loop_highlight, Color::Indexed(52));
    assert_eq!(
        [c.colors.rank_1, c.colors.rank_10, c.colors.rank_100, c.colors.rank_over_100],
        [Color::Green, Color::Yellow, Color::Red, Color::Magenta]
    );
}

/// Key paths of a table: `a`, `s.k`, and `panes.k` for the union of the pane tables' keys.
fn key_paths(t: &Table, prefix: &str, out: &mut BTreeSet<String>) {
    for (k, v) in t {
        let path = format!("{prefix}{k}");
        match v {
            Value::Table(sub) => key_paths(sub, &format!("{path}."), out),
            Value::Array(items) => {
                for item in items {
                    key_paths(item.as_table().unwrap(), &format!("{path}."), out);
                }
            }
            _ => {}
        }
        out.insert(path);
    }
}

#[test]
fn default_toml_spells_out_and_documents_every_key() {
    let text_table: Table = DEFAULT_TOML.parse().unwrap();
    let raw = deserialize(&text_table, &"default").unwrap();
    // Serializing the struct lists every field it has, whether or not the file set it.
    let full = Table::try_from(&raw).unwrap();
    let (mut in_struct, mut in_file) = (BTreeSet::new(), BTreeSet::new());
    key_paths(&full, "", &mut in_struct);
    key_paths(&text_table, "", &mut in_file);
    assert_eq!(in_struct, in_file);
    assert!(in_file.contains("panes.repeat_window") && in_file.contains("colors.rank_over_100"));

    // Each key is documented: its first assignment comes right after a comment line.
    let lines: Vec<&str> = DEFAULT_TOML.lines().collect();
    for path in &in_file {
        let name = path.rsplit('.').next().unwrap();
        if matches!(name, "panes" | "presets" | "speed" | "histogram" | "history" | "loops" | "metrics" | "colors") {
            continue;
        }
        let i = lines.iter().position(|l| l.starts_with(&format!("{name} ="))).unwrap();
        assert!(lines[i - 1].starts_with('#'), "{path} has no comment above it");
    }
}

#[test]
fn layers_apply_in_order_default_user_explicit_flags() {
    let dir = TempDir::new().unwrap();
    let user =
        write(&dir, "user.toml", "seed = 1\nprime = \"A\"\n[histogram]\ntop_n = 10\n[speed]\nchars_per_sec = 50\n");
    let explicit = write(&dir, "explicit.toml", "seed = 2\n[histogram]\ntop_n = 30\n");

    let c = load(Some(&user), None, &Overrides::default()).unwrap();
    assert_eq!((c.seed, c.prime.as_str(), c.histogram.top_n), (1, "A", 10));

    let c = load(Some(&user), Some(&explicit), &Overrides::default()).unwrap();
    assert_eq!((c.seed, c.prime.as_str(), c.histogram.top_n), (2, "A", 30));
    // Tables merge key by key: the user's speed survives, and max keeps the built-in value.
    assert_eq!(c.speed, SpeedConfig { chars_per_sec: 50.0, max: false });
    assert_eq!(c.history.chars, 10_000);

    let o = Overrides {
        seed: Some(3),
        prime: Some("B".into()),
        chars_per_sec: Some(100.0),
        max_speed: Some(true),
        coupled: Some(true),
        ..Default::default()
    };
    let c = load(Some(&user), Some(&explicit), &o).unwrap();
    assert_eq!((c.seed, c.prime.as_str(), c.histogram.top_n, c.coupled), (3, "B", 30, true));
    assert_eq!(c.speed, SpeedConfig { chars_per_sec: 100.0, max: true });
}

#[test]
fn unknown_keys_name_the_file_they_are_in() {
    let dir = TempDir::new().unwrap();
    let good = write(&dir, "good.toml", "seed = 1\n");
    let bad = write(&dir, "bad.toml", "[speed]\nchars_per_second = 30\n");
    let want = format!(
        "config {}: unknown key \"speed.chars_per_second\" (known keys in [speed]: chars_per_sec, max)",
        bad.display()
    );
    let o = Overrides::default();
    assert_eq!(load(Some(&bad), Some(&good), &o).unwrap_err().to_string(), want);
    assert_eq!(load(Some(&good), Some(&bad), &o).unwrap_err().to_string(), want);

    let (e, p) = explicit_error("sede = 1\n");
    assert!(e.starts_with(&format!("config {p}: unknown key \"sede\" (known top-level keys: colors, coupled,")), "{e}");
    let (e, p) = explicit_error("[[panes]]\ntemperature = 1.0\n[[panes]]\ntemperature = 1.0\ntopk = 3\n");
    assert_eq!(
        e,
        format!(
            "config {p}: unknown key \"panes[1].topk\" (known keys in [[panes]]: min_p, repeat_penalty, \
             repeat_window, temperature, top_k, top_p)"
        )
    );
}

#[test]
fn wrong_types_name_file_key_and_types() {
    let (e, p) = explicit_error("[histogram]\ntop_n = \"20\"\n");
    assert_eq!(e, format!("config {p}: key \"histogram.top_n\" must be an integer, got a string"));
    let (e, p) = explicit_error("speed = 5\n");
    assert_eq!(e, format!("config {p}: key \"speed\" must be a table ([speed]), got an integer"));
    let (e, p) = explicit_error("seed = -1\n");
    assert_eq!(e, format!("config {p}: key \"seed\" must be a non-negative integer, got -1"));
    let (e, p) = explicit_error("coupled = \"yes\"\n");
    assert_eq!(e, format!("config {p}: key \"coupled\" must be true or false, got a string"));
    let (e, p) = explicit_error("[speed]\nchars_per_sec = \"fast\"\n");
    assert_eq!(e, format!("config {p}: key \"speed.chars_per_sec\" must be a number, got a string"));
    let (e, p) = explicit_error("[loops]\nmax_period = 300.0\n");
    assert_eq!(e, format!("config {p}: key \"loops.max_period\" must be an integer, got a float"));
    let (e, p) = explicit_error("[[panes]]\ntop_k = 3\n");
    assert_eq!(e, format!("config {p}: key \"panes[0]\" has no temperature; every [[panes]] table needs one"));

    // An integer where a float is expected is fine.
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "ok.toml", "[speed]\nchars_per_sec = 30\n");
    assert_eq!(load(None, Some(&p), &Overrides::default()).unwrap().speed.chars_per_sec, 30.0);
}

#[test]
fn out_of_range_values_name_the_file_that_last_set_them() {
    let (e, p) =
        explicit_error("[[panes]]\ntemperature = 1\n[[panes]]\ntemperature = 1\n[[panes]]\ntemperature = 7.5\n");
    assert_eq!(e, format!("config {p}: key \"panes[2].temperature\" = 7.5 is out of range [0, 5]"));
    let (e, p) = explicit_error("[[panes]]\ntemperature = 1\ntop_p = 0\n");
    assert_eq!(e, format!("config {p}: key \"panes[0].top_p\" = 0 is out of range (0, 1]"));
    let (e, p) = explicit_error("[loops]\nmax_period = 199\n");
    assert_eq!(e, format!("config {p}: key \"loops.max_period\" = 199 is out of range [200, 4096]"));
    let (e, p) = explicit_error("[speed]\nchars_per_sec = nan\n");
    assert_eq!(e, format!("config {p}: key \"speed.chars_per_sec\" = NaN is out of range [1, 2000]"));
    let (e, p) = explicit_error("prime = \"\"\n");
    assert!(e.starts_with(&format!("config {p}: key \"prime\" must not be empty")), "{e}");
    let (e, p) = explicit_error(&"[[panes]]\ntemperature = 1\n".repeat(7));
    assert_eq!(e, format!("config {p}: key \"panes\" has 7 [[panes]] tables; there can be 1 to 6"));

    // The user file sets a bad value and the explicit file leaves it: the user file is named.
    let dir = TempDir::new().unwrap();
    let user = write(&dir, "user.toml", "[histogram]\ntop_n = 2\n");
    let other = write(&dir, "other.toml", "seed = 9\n");
    let e = load(Some(&user), Some(&other), &Overrides::default()).unwrap_err().to_string();
    assert_eq!(e, format!("config {}: key \"histogram.top_n\" = 2 is out of range [3, 64]", user.display()));
    // A later layer may fix an earlier layer's value.
    let fix = write(&dir, "fix.toml", "[histogram]\ntop_n = 64\n");
    assert_eq!(load(Some(&user), Some(&fix), &Overrides::default()).unwrap().histogram.top_n, 64);
}

#[test]
fn out_of_range_flags_name_the_flag() {
    let o = Overrides { temperatures: Some(vec![0.5, 9.0]), ..Default::default() };
    assert_eq!(load(None, None, &o).unwrap_err().to_string(), "--temperature 9 is out of range [0, 5]");
    let o = Overrides { chars_per_sec: Some(0.5), ..Default::default() };
    assert_eq!(load(None, None, &o).unwrap_err().to_string(), "--speed 0.5 is out of range [1, 2000]");
    let o = Overrides { temperatures: Some(vec![1.0; 7]), ..Default::default() };
    assert_eq!(
        load(None, None, &o).unwrap_err().to_string(),
        "--temperature is given 7 times; there can be 1 to 6 panes"
    );
    let o = Overrides { prime: Some(String::new()), ..Default::default() };
    assert!(load(None, None, &o).unwrap_err().to_string().starts_with("--prime must not be empty"));

    // A flag fixes a file's bad value, and a file's value beaten by a flag is never blamed.
    let (dir, o) = (TempDir::new().unwrap(), Overrides { temperatures: Some(vec![2.0]), ..Default::default() });
    let p = write(&dir, "hot.toml", "[[panes]]\ntemperature = 9\n");
    assert_eq!(temps(&load(None, Some(&p), &o).unwrap()), [2.0]);
}

#[test]
fn malformed_toml_names_the_file_and_position() {
    let (e, p) = explicit_error("seed = 1\nprime = \"unterminated\n");
    assert!(e.starts_with(&format!("config {p}: TOML parse error at line 2, column")), "{e}");
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("nope.toml");
    let e = load(None, Some(&missing), &Overrides::default()).unwrap_err().to_string();
    assert!(e.starts_with(&format!("config {}: cannot read it:", missing.display())), "{e}");
}

#[test]
fn a_later_panes_list_replaces_the_earlier_one_whole() {
    let dir = TempDir::new().unwrap();
    let user = write(&dir, "user.toml", "[[panes]]\ntemperature = 0.5\ntop_k = 5\n[[panes]]\ntemperature = 1.0\n");
    let explicit = write(&dir, "explicit.toml", "[[panes]]\ntemperature = 2.0\n");
    let o = Overrides::default();

    let c = load(Some(&user), None, &o).unwrap();
    assert_eq!(temps(&c), [0.5, 1.0]);
    assert_eq!(c.panes[0].top_k, 5);
    assert_eq!(c.panes[1], SamplerSettings::with_temperature(1.0));

    let c = load(Some(&user), Some(&explicit), &o).unwrap();
    assert_eq!(c.panes, [SamplerSettings::with_temperature(2.0)]);

    let o = Overrides { temperatures: Some(vec![0.1, 0.3]), ..Default::default() };
    let c = load(Some(&user), None, &o).unwrap();
    assert_eq!(c.panes, [SamplerSettings::with_temperature(0.1), SamplerSettings::with_temperature(0.3)]);
}

#[test]
fn colours_parse_names_hex_indices_and_reset() {
    assert_eq!(parse_color("yellow"), Some(Color::Yellow));
    assert_eq!(parse_color("light_red"), Some(Color::LightRed));
    assert_eq!(parse_color("Dark Gray"), Some(Color::DarkGray));
    assert_eq!(parse_color("#ff8800"), Some(Color::Rgb(0xff, 0x88, 0x00)));
    assert_eq!(parse_color("123"), Some(Color::Indexed(123)));
    assert_eq!(parse_color("reset"), Some(Color::Reset));
    assert_eq!(parse_color("default"), Some(Color::Reset));
    for bad in ["purplish", "#ff88", "256", ""] {
        assert_eq!(parse_color(bad), None, "{bad}");
    }

    let dir = TempDir::new().unwrap();
    let p = write(&dir, "c.toml", "[colors]\nfocus_border = \"#00ff00\"\nrank_1 = \"default\"\n");
    let c = load(None, Some(&p), &Overrides::default()).unwrap();
    assert_eq!((c.colors.focus_border, c.colors.rank_1), (Color::Rgb(0, 255, 0), Color::Reset));
    assert_eq!(c.colors.bar_at_t, Color::Cyan);

    let (e, p) = explicit_error("[colors]\nbar_at_t1 = \"purplish\"\n");
    assert!(e.starts_with(&format!("config {p}: key \"colors.bar_at_t1\" = \"purplish\" is not a colour")), "{e}");
}

#[test]
fn model_paths_in_files_are_relative_to_the_file() {
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "m.toml", "model = \"models/x.safetensors\"\n");
    let c = load(None, Some(&p), &Overrides::default()).unwrap();
    assert_eq!(c.model, Some(dir.path().join("models/x.safetensors")));

    let o = Overrides { model: Some("y.safetensors".into()), ..Default::default() };
    assert_eq!(load(None, Some(&p), &o).unwrap().model, Some(PathBuf::from("y.safetensors")));

    let p = write(&dir, "abs.toml", "model = \"/abs/z.safetensors\"\n");
    assert_eq!(load(None, Some(&p), &Overrides::default()).unwrap().model, Some(PathBuf::from("/abs/z.safetensors")));
}

#[test]
fn presets_are_read_checked_and_replaced_whole() {
    let c = Config::default_config();
    let names: Vec<&str> = c.presets.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names[..2], ["three temperatures", "same high T, three samplers"]);
    assert_eq!(c.presets[1].panes[2].min_p, 0.1);
    assert_eq!(c.presets[1].panes[1].top_p, 0.9);

    let dir = TempDir::new().unwrap();
    let ok = write(&dir, "ok.toml", "[[presets]]\nname = \"mine\"\npanes = [{ temperature = 0.7, top_k = 5 }]\n");
    let c = load(None, Some(&ok), &Overrides::default()).unwrap();
    assert_eq!(c.presets.len(), 1);
    assert_eq!((c.presets[0].panes[0].temperature, c.presets[0].panes[0].top_k), (0.7, 5));

    let (e, p) = explicit_error("[[presets]]\nname = \"x\"\npanes = [{ temperature = 9.0 }]\n");
    assert_eq!(e, format!("config {p}: key \"presets[0].panes[0].temperature\" = 9 is out of range [0, 5]"));
    let (e, p) = explicit_error("[[presets]]\npanes = [{ temperature = 1.0 }]\n");
    assert_eq!(e, format!("config {p}: key \"presets[0]\" has no name; every [[presets]] table needs one"));
    let (e, _) = explicit_error("[[presets]]\nname = \"x\"\npanes = [{ top_k = 3 }]\n");
    assert!(e.contains("presets[0].panes[0]") && e.contains("temperature"), "{e}");
}
