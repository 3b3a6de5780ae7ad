//! Fitting a line of parts into a width by priority: every part has forms from longest to
//! shortest (an empty form drops it), and a plan says which part gives way next. So a pane title
//! shortens its count before it drops it, and drops it before the temperature loses a character.

use unicode_width::UnicodeWidthStr;

/// One part of a line: its forms, longest first. An empty string as the last form means the part
/// may be left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub forms: Vec<String>,
}

impl Part {
    pub fn new<S: Into<String>>(forms: impl IntoIterator<Item = S>) -> Part {
        Part { forms: forms.into_iter().map(Into::into).collect() }
    }
}

/// Display width of `s` in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The form chosen for each part so that `measure(chosen forms)` fits in `room`: following `plan`
/// (part indices, in the order they give way; a part may appear several times, each time moving
/// to its next shorter form). Stops at the first fitting choice; if none fits, every step of the
/// plan has been taken and the caller cuts what is left.
pub fn choose(room: usize, parts: &[Part], plan: &[usize], measure: impl Fn(&[&str]) -> usize) -> Vec<usize> {
    let mut chosen = vec![0usize; parts.len()];
    let forms = |chosen: &[usize]| -> Vec<&str> {
        parts.iter().zip(chosen).map(|(p, &i)| p.forms.get(i).map_or("", String::as_str)).collect()
    };
    for &step in plan {
        if measure(&forms(&chosen)) <= room {
            break;
        }
        if chosen[step] + 1 < parts[step].forms.len() {
            chosen[step] += 1;
        }
    }
    chosen
}

/// The non-empty `forms` joined by `sep`.
pub fn join(forms: &[&str], sep: &str) -> String {
    forms.iter().filter(|f| !f.is_empty()).copied().collect::<Vec<_>>().join(sep)
}

/// `s` cut to `room` cells, ending in `…` when something was cut.
pub fn ellipsize(s: &str, room: usize) -> String {
    if width(s) <= room {
        return s.to_string();
    }
    if room == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > room {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut in the middle to `room` cells (`start…end`), so both the beginning of a message and its
/// end (often a path or a number) stay readable.
pub fn ellipsize_middle(s: &str, room: usize) -> String {
    if width(s) <= room {
        return s.to_string();
    }
    if room < 3 {
        return ellipsize(s, room);
    }
    let chars: Vec<char> = s.chars().collect();
    let cw = |c: &char| unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
    let tail_room = (room - 1) / 2;
    let mut tail = Vec::new();
    let mut used = 0;
    for c in chars.iter().rev() {
        if used + cw(c) > tail_room {
            break;
        }
        used += cw(c);
        tail.push(*c);
    }
    let head_room = room - 1 - used;
    let mut head = String::new();
    let mut hused = 0;
    for c in &chars {
        if hused + cw(c) > head_room {
            break;
        }
        hused += cw(c);
        head.push(*c);
    }
    format!("{head}…{}", tail.into_iter().rev().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(forms: &[&str]) -> usize {
        width(&join(forms, " · "))
    }

    #[test]
    fn parts_give_way_in_the_planned_order() {
        let parts = [Part::new(["1"]), Part::new(["T 0.20", "T0.20"]), Part::new(["8,679 ch", "8.7k", ""])];
        let plan = [2, 2, 1];
        let at = |room| {
            let c = choose(room, &parts, &plan, joined);
            let f: Vec<&str> = parts.iter().zip(&c).map(|(p, &i)| p.forms[i].as_str()).collect();
            join(&f, " · ")
        };
        assert_eq!(at(30), "1 · T 0.20 · 8,679 ch");
        assert_eq!(at(17), "1 · T 0.20 · 8.7k");
        assert_eq!(at(12), "1 · T 0.20");
        assert_eq!(at(9), "1 · T0.20");
    }

    #[test]
    fn cutting_keeps_the_width() {
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
        assert_eq!(ellipsize_middle("exported to /a/very/long/path.txt", 16), "exported…ath.txt");
        assert_eq!(width(&ellipsize_middle("exported to /a/very/long/path.txt", 16)), 16);
    }
}
