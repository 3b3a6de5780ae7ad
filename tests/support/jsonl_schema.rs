//! Checks tempest's JSONL output against the documented schema, `docs/jsonl.schema.json`.
//!
//! A small interpreter of the part of JSON Schema (2020-12) that file uses, so the file itself is
//! what the tests hold every writer to. A keyword it does not know fails the check instead of
//! being ignored, so the schema cannot grow a rule that is silently not tested. Shared through
//! `#[path]` by the integration tests and the explorer's unit tests.

#![allow(dead_code)]

use serde_json::Value;

/// The schema file, parsed.
pub fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/jsonl.schema.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Checks every line of `jsonl` against the schema, and the file's shape: one header first, then
/// char records (and summaries) only, whose streams the header lists and whose positions run
/// 1, 2, 3… within each stream. Returns the parsed lines.
pub fn check_file(jsonl: &str) -> Vec<Value> {
    let schema = schema();
    let lines: Vec<Value> = jsonl
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: not JSON ({e}): {l}", i + 1));
            if let Err(e) = validate(&schema, &schema, &v) {
                panic!("line {} breaks the schema: {e}\n{l}", i + 1);
            }
            v
        })
        .collect();
    assert!(!lines.is_empty(), "no lines");
    assert_eq!(lines[0]["kind"], "header", "the first line is the header");
    let streams = lines[0]["streams"].as_array().unwrap().len() as u64;
    let mut next_pos = vec![1u64; streams as usize + 1];
    for (i, v) in lines.iter().enumerate().skip(1) {
        assert_ne!(v["kind"], "header", "line {}: a second header", i + 1);
        let s = v["stream"].as_u64().unwrap();
        assert!(s >= 1 && s <= streams, "line {}: stream {s} is not in the header", i + 1);
        if v["kind"] == "char" {
            let pos = v["pos"].as_u64().unwrap();
            assert!(pos >= next_pos[s as usize], "line {}: pos {pos} goes back in stream {s}", i + 1);
            next_pos[s as usize] = pos + 1;
            let vocab = lines[0]["vocab"].as_array().unwrap();
            assert_eq!(vocab.get(v["id"].as_u64().unwrap() as usize), Some(&v["char"]), "line {}: id and char", i + 1);
        }
    }
    lines
}

/// Whether `v` satisfies `s` (`root` resolves `$ref`s). The error names the path and the rule.
pub fn validate(root: &Value, s: &Value, v: &Value) -> Result<(), String> {
    check(root, s, v, "$")
}

const ANNOTATIONS: &[&str] = &["$schema", "$id", "title", "description", "$defs", "examples"];

fn check(root: &Value, s: &Value, v: &Value, at: &str) -> Result<(), String> {
    let Some(obj) = s.as_object() else { return Err(format!("{at}: schema is not an object")) };
    for (key, rule) in obj {
        match key.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "$ref" => {
                let r = rule.as_str().ok_or("$ref is not a string")?;
                let name = r.strip_prefix("#/$defs/").ok_or_else(|| format!("unsupported $ref {r}"))?;
                let target = root["$defs"].get(name).ok_or_else(|| format!("no $defs/{name}"))?;
                check(root, target, v, at)?;
            }
            "oneOf" => {
                let options = rule.as_array().ok_or("oneOf is not an array")?;
                let errors: Vec<String> = options.iter().filter_map(|o| check(root, o, v, at).err()).collect();
                let passed = options.len() - errors.len();
                if passed != 1 {
                    return Err(format!("{at}: matches {passed} of oneOf (errors: {})", errors.join("; ")));
                }
            }
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => return Err(format!("{at}: bad type rule")),
                };
                if !types.iter().any(|t| is_type(v, t)) {
                    return Err(format!("{at}: {v} is not of type {types:?}"));
                }
            }
            "const" if v != rule => return Err(format!("{at}: {v} is not {rule}")),
            "const" => {}
            "enum" if !rule.as_array().is_some_and(|a| a.contains(v)) => {
                return Err(format!("{at}: {v} is not one of {rule}"))
            }
            "enum" => {}
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                let (Some(x), Some(bound)) = (v.as_f64(), rule.as_f64()) else { continue };
                let ok = match key.as_str() {
                    "minimum" => x >= bound,
                    "maximum" => x <= bound,
                    "exclusiveMinimum" => x > bound,
                    _ => x < bound,
                };
                if !ok {
                    return Err(format!("{at}: {x} breaks {key} {bound}"));
                }
            }
            "minLength" | "maxLength" => {
                let (Some(text), Some(n)) = (v.as_str(), rule.as_u64()) else { continue };
                let len = text.chars().count() as u64;
                if (key == "minLength" && len < n) || (key == "maxLength" && len > n) {
                    return Err(format!("{at}: length {len} breaks {key} {n}"));
                }
            }
            "minItems" => {
                if let (Some(a), Some(n)) = (v.as_array(), rule.as_u64()) {
                    if (a.len() as u64) < n {
                        return Err(format!("{at}: {} items, fewer than {n}", a.len()));
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, item) in a.iter().enumerate() {
                        check(root, rule, item, &format!("{at}[{i}]"))?;
                    }
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for name in rule.as_array().ok_or("required is not an array")? {
                        let name = name.as_str().ok_or("required names a non-string")?;
                        if !o.contains_key(name) {
                            return Err(format!("{at}: missing {name}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in rule.as_object().ok_or("properties is not an object")? {
                        if let Some(x) = o.get(name) {
                            check(root, sub, x, &format!("{at}.{name}"))?;
                        }
                    }
                }
            }
            "additionalProperties" => {
                let closed = rule == &Value::Bool(false);
                if !closed {
                    return Err(format!("{at}: only additionalProperties: false is supported"));
                }
                if let Some(o) = v.as_object() {
                    let known = obj.get("properties").and_then(Value::as_object);
                    if let Some(extra) = o.keys().find(|k| !known.is_some_and(|p| p.contains_key(*k))) {
                        return Err(format!("{at}: unexpected property {extra}"));
                    }
                }
            }
            other => return Err(format!("{at}: the checker does not know the keyword {other}")),
        }
    }
    Ok(())
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_u64() || v.is_i64(),
        _ => false,
    }
}
