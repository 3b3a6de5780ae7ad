//! Reading, checking and merging configuration layers as raw TOML tables.
//!
//! Layers are merged as `toml::Table`s (not as typed structs) so that "this layer did not set the
//! key" stays distinguishable from "this layer set it to the default". The price is that serde's
//! own errors would point at the merged table, which belongs to no file; so each file is checked
//! on its own first, against the shape of the built-in configuration, and every key of the merged
//! result remembers the layer that set it last.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::ConfigError;

/// Where a setting came from, so that an error can send the user to the right file or flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    Builtin,
    /// The explorer defaults that come with a bundled model (config/models/NAME.toml).
    Model(&'static str),
    File(PathBuf),
    /// A command-line flag, e.g. `--temperature`.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builtin => write!(f, "built-in config/default.toml"),
            Source::Model(name) => write!(f, "built-in config/models/{name}.toml"),
            Source::File(p) => write!(f, "config {}", tempest_core::files::quote_path(p)),
            Source::Flag(flag) => write!(f, "{flag}"),
        }
    }
}

impl Source {
    /// An error about `key` (with its offending value, if any) from this source, worded for the
    /// place the user has to fix: `config FILE: key "k" = v what`, or `--flag v what`.
    pub(super) fn error(&self, key: &str, value: Option<&str>, what: &str) -> ConfigError {
        // Every value is quoted as a short excerpt, whichever check refused it: a 1 MB colour name
        // must not become a 1 MB message.
        let value = value.map(|v| format!(" {}", tempest_core::display::excerpt(v, 80))).unwrap_or_default();
        match self {
            Source::Flag(flag) => ConfigError::new(format!("{flag}{value} {what}")),
            _ => {
                let eq = if value.is_empty() { String::new() } else { format!(" ={value}") };
                ConfigError::new(format!("{self}: key \"{key}\"{eq} {what}"))
            }
        }
    }
}

/// Which layer last set each key: `"seed"`, `"speed.chars_per_sec"`, or `"panes"` for the whole
/// list, since a layer's `[[panes]]` replace the list below rather than merging into it.
#[derive(Debug, Default)]
pub(super) struct Origins(BTreeMap<String, Source>);

impl Origins {
    pub(super) fn record(&mut self, table: &Table, source: &Source) {
        for (k, v) in table {
            match v {
                Value::Table(section) => {
                    for sk in section.keys() {
                        self.0.insert(format!("{k}.{sk}"), source.clone());
                    }
                }
                _ => {
                    self.0.insert(k.clone(), source.clone());
                }
            }
        }
    }

    pub(super) fn set(&mut self, key: &str, source: Source) {
        self.0.insert(key.to_owned(), source);
    }

    /// Falls back to the built-in layer, which sets every key.
    pub(super) fn of(&self, key: &str) -> &Source {
        self.0.get(key).unwrap_or(&Source::Builtin)
    }
}

pub(super) fn parse(text: &str, source: &Source) -> Result<Table, ConfigError> {
    // toml's message carries the line, column and a caret under the fault.
    text.parse::<Table>().map_err(|e| ConfigError::new(format!("{source}: {}", e.to_string().trim_end())))
}

pub(super) fn read(path: &Path) -> Result<Table, ConfigError> {
    let source = Source::File(path.to_owned());
    let text =
        tempest_core::files::read_regular_text(path, tempest_core::files::MAX_CONFIG_BYTES, "config").map_err(|e| {
            match e {
                tempest_core::Error::Io { err, .. } => ConfigError::new(format!("{source}: cannot read it: {err}")),
                other => ConfigError::new(other.to_string()),
            }
        })?;
    parse(&text, &source)
}

/// Later tables merge into earlier ones key by key; anything else, arrays included, replaces.
pub(super) fn merge(base: &mut Table, layer: &Table) {
    for (k, v) in layer {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(l)) => merge(b, l),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Checks one layer against `schema` (the built-in configuration, fully spelled out): every key
/// must be known and hold the right type, and every `[[panes]]` table needs a temperature.
/// Ranges are not checked here: a value may be fixed by a later layer.
pub(super) fn check_shape(layer: &Table, schema: &Table, source: &Source) -> Result<(), ConfigError> {
    check_table(layer, schema, "", "top-level keys", source)
}

fn check_table(layer: &Table, schema: &Table, prefix: &str, what: &str, source: &Source) -> Result<(), ConfigError> {
    for (k, v) in layer {
        let key = format!("{prefix}{k}");
        let Some(expected) = schema.get(k) else {
            let known: Vec<&str> = schema.keys().map(String::as_str).collect();
            return Err(ConfigError::new(format!(
                "{source}: unknown key \"{key}\" (known {what}: {})",
                known.join(", ")
            )));
        };
        check_value(v, expected, &key, source)?;
    }
    Ok(())
}

fn check_value(v: &Value, expected: &Value, key: &str, source: &Source) -> Result<(), ConfigError> {
    let wrong = |wanted: &str| source.error(key, None, &format!("must be {wanted}, got {}", article(v)));
    match expected {
        Value::Table(schema) => {
            let Value::Table(t) = v else { return Err(wrong(&format!("a table ([{key}])"))) };
            check_table(t, schema, &format!("{key}."), &format!("keys in [{key}]"), source)
        }
        Value::Array(items) => {
            // Arrays hold tables ([[panes]], [[presets]] and a preset's panes); the first built-in
            // entry has every key.
            let Some(Value::Table(item_schema)) = items.first() else { unreachable!("schema arrays hold tables") };
            let Value::Array(list) = v else { return Err(wrong(&format!("a list of [[{key}]] tables"))) };
            for (i, item) in list.iter().enumerate() {
                let item_key = format!("{key}[{i}]");
                let Value::Table(t) = item else {
                    return Err(source.error(&item_key, None, &format!("must be a table, got {}", article(item))));
                };
                check_table(t, item_schema, &format!("{item_key}."), &format!("keys in [[{key}]]"), source)?;
                for required in ["temperature", "name", "panes"] {
                    if item_schema.contains_key(required) && !t.contains_key(required) {
                        let what = format!("has no {required}; every [[{key}]] table needs one");
                        return Err(source.error(&item_key, None, &what));
                    }
                }
            }
            Ok(())
        }
        // An integer is a fine float ("chars_per_sec = 25"), but not the other way round.
        Value::Float(_) => match v {
            Value::Float(_) | Value::Integer(_) => Ok(()),
            _ => Err(wrong("a number")),
        },
        // Every integer setting is unsigned; saying so here beats serde's "expected usize".
        Value::Integer(_) => match v {
            Value::Integer(n) if *n >= 0 => Ok(()),
            Value::Integer(n) => Err(source.error(key, None, &format!("must be a non-negative integer, got {n}"))),
            _ => Err(wrong("an integer")),
        },
        Value::String(_) if !v.is_str() => Err(wrong("a string")),
        Value::Boolean(_) if !v.is_bool() => Err(wrong("true or false")),
        _ => Ok(()),
    }
}

fn article(v: &Value) -> String {
    let t = v.type_str();
    let a = if t.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{a} {t}")
}
