//! The README's `tempest sample` examples show what they claim: every stream of a multi-stream
//! example writes visible text (not a page of spaces), on the bundled model.

use assert_cmd::Command;

/// Splits a shell line into words: plain words, "double quotes" and bash's $'…' with \n.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cs = line.chars().peekable();
    while let Some(&c) = cs.peek() {
        match c {
            ' ' => {
                cs.next();
            }
            '#' => break,
            _ => {
                let mut w = String::new();
                while let Some(&c) = cs.peek() {
                    match c {
                        ' ' => break,
                        '"' => {
                            cs.next();
                            w.extend(cs.by_ref().take_while(|&c| c != '"'));
                        }
                        '$' => {
                            cs.next();
                            assert_eq!(cs.next(), Some('\''), "only $'…' is understood: {line}");
                            let raw: String = cs.by_ref().take_while(|&c| c != '\'').collect();
                            w.push_str(&raw.replace("\\n", "\n"));
                        }
                        c => {
                            w.push(c);
                            cs.next();
                        }
                    }
                }
                out.push(w);
            }
        }
    }
    out
}

#[test]
fn readme_sample_examples_show_text_in_every_stream() {
    let readme = include_str!("../README.md");
    let examples: Vec<Vec<String>> = readme
        .lines()
        .filter(|l| l.starts_with("tempest sample ") && !l.contains("--format jsonl"))
        .map(words)
        .collect();
    assert!(examples.len() >= 2, "README sample examples: {examples:?}");
    for ex in examples {
        let mut cmd = Command::cargo_bin("tempest").unwrap();
        cmd.args(&ex[1..]);
        if !ex.iter().any(|w| w == "--length") {
            cmd.args(["--length", "300"]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{ex:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let streams = ex.iter().filter(|w| *w == "-t" || *w == "--temperature").count().max(1);
        for s in 1..=streams {
            let visible: usize = if streams == 1 {
                text.chars().filter(|c| !c.is_whitespace()).count()
            } else {
                let tag = format!("{s} T");
                text.lines()
                    .filter(|l| l.starts_with(&tag))
                    .filter_map(|l| l.split_once("│ ").map(|(_, t)| t))
                    .map(|t| t.chars().filter(|c| !c.is_whitespace()).count())
                    .sum()
            };
            assert!(visible >= 100, "{ex:?}: stream {s} shows only {visible} visible characters:\n{text}");
        }
    }
}
