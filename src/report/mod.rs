//! The human-readable summary printed after grading: one line per test and,
//! under each failed test, its first failure in full (wrapped, never cut but
//! to its bound), then a pointer to results.json for the rest.
//!
//! It goes to a terminal or a CI log: every text from results.json is made
//! inert first (`untrusted::inert`: no control character, no GitHub
//! workflow command).

pub mod github;
pub mod gradebook;
#[cfg(not(feature = "student"))]
pub mod html;
pub mod junit;
pub mod results;
pub mod safe_write;
pub mod untrusted;

use crate::report::results::{Results, Status, TestResult};
use std::fmt::Write;

/// In a submission that was not graded, test `t`'s own line when it says
/// more than the one the tests share: an API misfit names the test's
/// function, its line and the compiler's reason. The shared line is
/// "Not graded: " and the output's first line when a test has it (as the
/// grader writes them), else the line most tests have. `None` for it.
pub fn own_not_graded_line<'a>(results: &'a Results, t: &'a TestResult) -> Option<&'a str> {
    let first = |t: &'a TestResult| t.output.lines().next().unwrap_or("").trim();
    let written = format!(
        "Not graded: {}",
        results.output.lines().next().unwrap_or("").trim()
    );
    let lines: Vec<&str> = results.tests.iter().map(first).collect();
    let shared = if lines.contains(&written.as_str()) {
        written.as_str()
    } else {
        lines
            .iter()
            .copied()
            .max_by_key(|l| lines.iter().filter(|m| *m == l).count())
            .unwrap_or("")
    };
    let own = first(t);
    (own.starts_with("Not graded: ") && own != shared).then_some(own)
}

/// The known mistakes a failed test named, with their hints, for the line of
/// its first failure (`known mistake `name`: hint`), from the test's
/// `extra_data`: the grader's catalogue, never the feedback text, where a
/// student's print could imitate one. `None` when it named none.
pub fn known_mistakes_said(t: &TestResult) -> Option<String> {
    let said: Vec<String> = t
        .extra_data
        .known_mistakes
        .iter()
        .map(|m| match &m.hint {
            Some(hint) => format!("known mistake `{}`: {hint}", m.name),
            None => format!("known mistake `{}`", m.name),
        })
        .collect();
    (!said.is_empty()).then(|| said.join("; "))
}

/// `first` (a failed test's first failure line) with the known mistakes the
/// test named, when it named any.
pub fn with_known_mistakes(first: &str, t: &TestResult) -> String {
    match known_mistakes_said(t) {
        Some(said) => format!("{first} — {said}"),
        None => first.to_string(),
    }
}

/// Columns for a failure's text, after its indentation.
const WRAP: usize = 96;
/// Indentation of a failure's first line, and of its continuation lines.
const INDENT: &str = "            ";
const CONTINUED: &str = "              ";

pub fn table(results: &Results, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let width = results
        .tests
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    // A submission that was not run gives every test the same one line; it is
    // said once, with the whole output, below the table.
    let graded = crate::report::results::status(results) == Status::Graded;
    let mut failed = 0;
    for t in &results.tests {
        // An ungraded test (a ranked training run) neither passes nor fails a grade.
        let mark = match (t.status == "passed", t.max_score == 0.0) {
            (true, _) => "ok  ",
            (false, true) => "--  ",
            (false, false) => "FAIL",
        };
        let _ = writeln!(
            out,
            "  {mark} {:>4}  {:<width$}  {:>7} / {:<5}",
            t.number,
            t.name,
            fmt_points(t.score),
            fmt_points(t.max_score)
        );
        if t.status != "passed" && t.max_score > 0.0 {
            failed += 1;
        }
        if !graded {
            if let Some(own) = own_not_graded_line(results, t) {
                let own = untrusted::inert(&untrusted::clip(own, untrusted::TEST_BYTES));
                for (k, line) in wrap(&own, WRAP).iter().enumerate() {
                    let pad = if k == 0 { INDENT } else { CONTINUED };
                    let _ = writeln!(out, "{pad}{line}");
                }
            }
        }
        // An ungraded test's first line is what it reached, either way.
        if (t.status != "passed" || t.max_score == 0.0) && graded {
            let lines: Vec<&str> = t.output.lines().map(str::trim).collect();
            let failures: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with('✗'))
                .collect();
            let first = failures
                .first()
                .copied()
                .or_else(|| lines.iter().copied().find(|l| !l.is_empty()));
            if let Some(first) = first {
                let first = with_known_mistakes(first, t);
                let first = untrusted::inert(&untrusted::clip(&first, untrusted::TEST_BYTES));
                for (k, line) in wrap(&first, WRAP).iter().enumerate() {
                    let pad = if k == 0 { INDENT } else { CONTINUED };
                    let _ = writeln!(out, "{pad}{line}");
                }
            }
            // A case is counted once, though isolated credit's feedback
            // shows it in each of its two results.
            let mut cases: Vec<&str> = failures.iter().map(|l| failed_case(l)).collect();
            cases.sort_unstable();
            cases.dedup();
            match cases.len() {
                0 | 1 => {}
                2 => {
                    let _ = writeln!(out, "{CONTINUED}(and 1 more failed case)");
                }
                n => {
                    let _ = writeln!(out, "{CONTINUED}(and {} more failed cases)", n - 1);
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "  total {:>width$}  {:>7} / {}",
        "",
        fmt_points(results.score),
        fmt_points(results.max_score()),
        width = width + 6
    );
    if !results.output.trim().is_empty() {
        let output = untrusted::clip(&results.output, untrusted::OUTPUT_BYTES);
        let _ = writeln!(out, "\n{}", untrusted::inert_lines(output.trim_end()));
    }
    if failed > 0 && graded {
        let _ = writeln!(
            out,
            "\nOnly each failed test's first failing case is shown; results.json has every case's full feedback."
        );
    }
    out
}

/// The case a `✗` line is about: `case ID` (a case's id has no space) or
/// `hidden case N`; the line itself when it names neither.
fn failed_case(line: &str) -> &str {
    let rest = line.trim_start_matches('✗').trim_start();
    let words = if rest.starts_with("hidden case ") {
        3
    } else if rest.starts_with("case ") {
        2
    } else {
        return line;
    };
    let end = rest
        .char_indices()
        .filter(|&(_, c)| c == ' ' || c == ':')
        .nth(words - 1)
        .map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

pub fn fmt_points(x: f64) -> String {
    let s = format!("{x:.2}");
    s.strip_suffix(".00").map(str::to_string).unwrap_or(s)
}

/// `text` in lines of at most `width` characters, broken at spaces only: a
/// word longer than `width` gets a line of its own, whole. Nothing is dropped
/// but runs of spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut to at most `n` characters at a word boundary, ending in " …"
/// when cut, so no word or number is shown half. Only a first word longer than
/// `n` is cut inside (it cannot be shown whole within `n`), ending in "…".
pub fn clip_words(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_string();
    }
    // Room for " …"; a cut is before a whitespace character.
    let room = n.saturating_sub(2);
    let cut = text
        .char_indices()
        .take(room + 1)
        .filter(|(_, c)| c.is_whitespace())
        .map(|(i, _)| i)
        .last()
        .map(|i| text[..i].trim_end())
        .filter(|kept| !kept.is_empty());
    match cut {
        Some(kept) => format!("{kept} …"),
        None => text.chars().take(n.saturating_sub(1)).collect::<String>() + "…",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::sample::{results, test};

    const LONG: &str =
        "✗ case lab_784_8_8_10 (the lab's network [784, 8, 8, 10]): value: expected \
                        2.428414917818207, got 4.856829835636414 at element [3, 1] \
                        (panicked at src/lib.rs:120)";

    #[test]
    fn clip_words_cuts_between_words_only() {
        assert_eq!(clip_words("short", 10), "short");
        assert_eq!(clip_words("exactly ten", 11), "exactly ten");
        // 2.428414917818207 would be cut mid-number by a character count.
        let clipped = clip_words("value: expected 2.428414917818207, got 4.85", 30);
        assert_eq!(clipped, "value: expected …");
        assert!(clipped.chars().count() <= 30);
        // A cut that falls on a space keeps the whole word before it.
        assert_eq!(clip_words("aaaa bbbb cccc", 11), "aaaa bbbb …");
        assert_eq!(clip_words("aaaa bbbb cccc", 10), "aaaa …");
        // A single overlong word cannot be kept whole.
        assert_eq!(
            clip_words(&"x".repeat(50), 10),
            format!("{}…", "x".repeat(9))
        );
        for n in 3..LONG.chars().count() {
            let c = clip_words(LONG, n);
            assert!(c.chars().count() <= n, "{n}: {c}");
            let kept = c.trim_end_matches('…').trim_end();
            assert!(LONG.starts_with(kept), "{n}: {c}");
            let next = LONG[kept.len()..].chars().next();
            assert!(
                next.is_none_or(char::is_whitespace) || kept.chars().count() + 1 == n,
                "{n}: cut inside a word: {c}"
            );
        }
    }

    #[test]
    fn wrap_keeps_every_word_whole() {
        let lines = wrap(LONG, 40);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(
            lines.join(" "),
            LONG.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        for l in &lines {
            assert!(l.chars().count() <= 40, "{l}");
        }
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(
            wrap("tiny 1234567890123 x", 10),
            ["tiny", "1234567890123", "x"]
        );
    }

    #[test]
    fn a_long_failure_is_shown_whole_with_its_location() {
        let r = results(
            "Graded src/lib.rs for Lab 1.",
            vec![
                test("1", "relu", 10.0, 10.0, "4 of 4 cases passed."),
                test(
                    "2",
                    "forward",
                    0.0,
                    10.0,
                    &format!(
                        "0 of 3 cases passed.\n{LONG}\n✗ hidden case 2: x\n✗ hidden case 3: y"
                    ),
                ),
            ],
        );
        let table = table(&r, "Lab 1");
        let flat = table.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&LONG.split_whitespace().collect::<Vec<_>>().join(" ")),
            "{table}"
        );
        assert!(table.contains("(panicked at src/lib.rs:120)"), "{table}");
        assert!(table.contains("(and 2 more failed cases)"), "{table}");
        assert!(
            table.contains("results.json has every case's full feedback"),
            "{table}"
        );
        for line in table.lines() {
            assert!(line.chars().count() <= INDENT.len() + WRAP + 2, "{line}");
        }
        assert!(!table.contains('…'), "{table}");
    }

    #[test]
    fn the_first_failure_carries_the_known_mistake_and_its_hint() {
        let mut t = test(
            "2",
            "forward",
            0.0,
            10.0,
            "0 of 2 cases passed.\n✗ case a (x): y: wrong values\n  this is what a known \
             mistake gives: `no_bias`\n✗ case b (x): y: wrong values",
        );
        t.extra_data.known_mistakes = vec![crate::report::results::KnownMistake {
            name: "no_bias".into(),
            hint: Some("Add the bias.".into()),
        }];
        let shown = table(&results("Graded.", vec![t]), "Lab");
        let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("✗ case a (x): y: wrong values — known mistake `no_bias`: Add the bias."),
            "{shown}"
        );
        // Printed text imitating the catalogue's line is not read: only
        // extra_data names a mistake.
        let forged = test(
            "1",
            "cost",
            0.0,
            5.0,
            "0 of 1 cases passed.\n✗ case a (x): panicked\n  this is what a known mistake \
             gives: `forged`",
        );
        let shown = table(&results("Graded.", vec![forged]), "Lab");
        assert!(!shown.contains("known mistake `forged`"), "{shown}");
    }

    #[test]
    fn failed_cases_are_counted_once_each() {
        // Isolated credit's feedback: the isolated result, then the one as
        // written, each naming the same two failed cases.
        let block = "0 of 3 cases passed.\n✓ case a (x): passed\n✗ case b (y: 2): value: wrong\n\
                     ✗ hidden case 3: value: wrong values";
        let output = format!(
            "Isolated credit: graded with …\n{block}\n\nAs written (with your own f): {block}"
        );
        let r = results(
            "Graded src/lib.rs for Lab 1.",
            vec![test("1", "forward", 0.0, 10.0, &output)],
        );
        let table = table(&r, "Lab 1");
        assert!(table.contains("(and 1 more failed case)"), "{table}");
        assert_eq!(failed_case("✗ case b (y: 2): value"), "case b");
        assert_eq!(failed_case("✗ case b: value"), "case b");
        assert_eq!(failed_case("✗ hidden case 12: panicked"), "hidden case 12");
        assert_eq!(failed_case("✗ something else"), "✗ something else");
    }

    #[test]
    fn student_text_cannot_act_on_a_terminal_or_ci_log() {
        let hostile = "✗ case a (x): panicked: ok\r::notice title=grade::Score 100 / 100 \
                       ::stop-commands::tok ##[set-output name=s;]100 \u{1b}[2K\u{1b}[1A \u{202e}x";
        let r = results(
            "Graded src/lib.rs.\nOnly src/lib.rs is graded; not used: a\n::error::x.txt, ##[warning]y",
            vec![test("1", "cost", 0.0, 5.0, &format!("0 of 1 cases passed.\n{hostile}"))],
        );
        let shown = table(&r, "Lab");
        for bad in ["::", "##[", "\r", "\u{1b}", "\u{202e}"] {
            assert!(!shown.contains(bad), "{bad:?} in {shown}");
        }
        assert!(shown.contains("notice title=grade"), "{shown}");
        let huge = results(
            &"x".repeat(10 << 20),
            vec![test(
                "1",
                "cost",
                0.0,
                5.0,
                &format!("✗ {}", "y ".repeat(5 << 20)),
            )],
        );
        assert!(table(&huge, "Lab").len() < 2 * untrusted::OUTPUT_BYTES);
    }

    #[test]
    fn a_submission_that_was_not_run_is_explained_once() {
        let mut r = results(
            "Your src/lib.rs does not compile, so nothing could be graded. The compiler says:\n\n\
             error[E0308]: mismatched types\n  --> src/lib.rs:12:5",
            vec![
                test("1", "relu", 0.0, 4.0, ""),
                test("2", "forward", 0.0, 6.0, ""),
            ],
        );
        for t in &mut r.tests {
            t.output = "Not graded: Your src/lib.rs does not compile, so nothing could be graded. \
                        The compiler says:"
                .into();
        }
        r.extra_data.status = Some(Status::DidNotCompile);
        let table = table(&r, "Lab 1");
        assert_eq!(table.matches("The compiler says:").count(), 1, "{table}");
        assert_eq!(table.matches("FAIL").count(), 2, "{table}");
        assert!(table.contains("error[E0308]: mismatched types\n  --> src/lib.rs:12:5"));
    }

    #[test]
    fn a_test_with_its_own_not_graded_line_shows_it() {
        let shared = "Your src/lib.rs compiles, but it does not provide what the grader calls: \
                      keep the handout's names and signatures.";
        let own = "Not graded: the grader's call to your `forward` (src/lib.rs line 9) does not \
                   compile: mismatched types (expected `f32`, found `f64`).";
        let mut r = results(
            &format!("{shared}\n\nThe compiler says:\n\nerror[E0308]: mismatched types"),
            vec![
                test("1", "relu", 0.0, 4.0, &format!("Not graded: {shared}")),
                test("2", "forward", 0.0, 6.0, own),
            ],
        );
        r.extra_data.status = Some(Status::DidNotCompile);
        assert_eq!(own_not_graded_line(&r, &r.tests[0]), None);
        assert_eq!(own_not_graded_line(&r, &r.tests[1]), Some(own));
        let table = table(&r, "Lab 1");
        let forward = table.find("forward").unwrap();
        assert!(
            table[forward..].contains("the grader's call to your `forward` (src/lib.rs line 9)"),
            "{table}"
        );
        // The shared line is said once, in the output below the table.
        assert_eq!(table.matches("does not provide what").count(), 1, "{table}");
        // Not graded, every test the same line: none is a test's own.
        r.tests[1].output = format!("Not graded: {shared}");
        assert_eq!(own_not_graded_line(&r, &r.tests[1]), None);
    }
}
