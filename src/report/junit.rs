//! JUnit XML for CI test reports (`--junit FILE`): GitLab's `artifacts:reports:junit`,
//! Jenkins' JUnit plugin and GitHub test-report actions read it.
//!
//! One `<testsuite>` per graded submission, one `<testcase>` per rubric test. A test
//! whose status is not `passed` has a `<failure>` whose message is the first line of
//! its feedback and whose body is the whole feedback (a passed test's feedback is its
//! `<system-out>`). Points are `<property>`s (`score`,
//! `max_score`) on each test case and on the suite; the submission's overall output
//! (build errors, notices) is the suite's `<system-out>`.
//!
//! A submission that was not run fails every test with one line saying why. When
//! it did not compile, the compiler's text is said once, in a first test case
//! named `compile` (CI views show test cases, not always the suite's output),
//! instead of in the suite's `<system-out>`.
//!
//! Student text (feedback, compiler messages) is bounded as in results.json
//! (`untrusted`: a test's feedback to 4 KiB, the output to 64 KiB, a failure
//! message to one line of 512 bytes), cleaned of control and bidi characters,
//! and escaped, with the characters XML 1.0 forbids dropped: the document is
//! at most tests × 4 KiB + 64 KiB of text before escaping (escaping at most
//! multiplies it by 6, `&quot;`).

use crate::report::results::status;
use crate::report::results::{round_score, Results, Status};
use crate::report::untrusted;
use std::fmt::Write;

/// The test case holding a compile failure's text.
pub const COMPILE_CASE: &str = "compile";

/// The JUnit XML document for `results`, its suite and test classes named `suite_name`.
pub fn junit(results: &Results, suite_name: &str) -> String {
    let status = status(results);
    let not_run = status != Status::Graded;
    let compile_case = status == Status::DidNotCompile;
    // An ungraded test that did not pass (a ranked training run: not run,
    // or below the bands) is skipped, not failed.
    let ungraded = |t: &&crate::report::results::TestResult| t.max_score == 0.0;
    let skipped = results
        .tests
        .iter()
        .filter(|t| t.status != "passed")
        .filter(ungraded)
        .count();
    let failures = results
        .tests
        .iter()
        .filter(|t| t.status != "passed")
        .count()
        - skipped
        + usize::from(compile_case);
    let (suite, tests, time) = (
        attr(suite_name),
        results.tests.len() + usize::from(compile_case),
        results.execution_time,
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time}\">"
    );
    properties(&mut out, "    ", results.score, results.max_score());
    let reason = untrusted::clip(
        &crate::report::github::not_graded_reason(results),
        untrusted::LINE_BYTES,
    );
    let output = untrusted::clip(&results.output, untrusted::OUTPUT_BYTES);
    if compile_case {
        let _ = writeln!(
            out,
            "    <testcase name=\"{COMPILE_CASE}\" classname=\"{suite}\" time=\"{time}\">\n      \
             <failure message=\"{}\" type=\"compile error\">{}</failure>\n    </testcase>",
            attr(&reason),
            text(output.trim_end())
        );
    }
    for t in &results.tests {
        let _ = writeln!(
            out,
            "    <testcase name=\"{}\" classname=\"{suite}\" time=\"{}\">",
            attr(&format!("{} {}", t.number, t.name)),
            t.execution_time
        );
        properties(&mut out, "      ", t.score, t.max_score);
        if t.status != "passed" && t.max_score == 0.0 {
            let feedback = untrusted::clip(&t.output, untrusted::TEST_BYTES);
            let first = feedback
                .lines()
                .find(|l| !l.trim().is_empty() && !l.starts_with("```"))
                .unwrap_or("");
            let _ = writeln!(
                out,
                "      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>",
                attr(&untrusted::clip(first, untrusted::LINE_BYTES)),
                text(&feedback)
            );
        } else if t.status != "passed" && not_run {
            // The same line for every test, unless the test has its own
            // (an API misfit names its function); the details are said once.
            let message = match crate::report::own_not_graded_line(results, t) {
                Some(own) => untrusted::clip(own, untrusted::LINE_BYTES),
                None => format!("Not graded: {reason}"),
            };
            let body = if compile_case {
                format!(
                    "{message}\nThe compiler's messages are in the test case \"{COMPILE_CASE}\"."
                )
            } else {
                message.clone()
            };
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(&message),
                attr(&t.status),
                text(&body)
            );
        } else if t.status != "passed" {
            let feedback = untrusted::clip(&t.output, untrusted::TEST_BYTES);
            let first = feedback.lines().next().unwrap_or("");
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(&untrusted::clip(first, untrusted::LINE_BYTES)),
                attr(&t.status),
                text(&feedback)
            );
        } else if !t.output.is_empty() {
            let feedback = untrusted::clip(&t.output, untrusted::TEST_BYTES);
            let _ = writeln!(out, "      <system-out>{}</system-out>", text(&feedback));
        }
        out.push_str("    </testcase>\n");
    }
    if !output.is_empty() && !compile_case {
        let _ = writeln!(out, "    <system-out>{}</system-out>", text(&output));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn properties(out: &mut String, indent: &str, score: f64, max_score: f64) {
    let _ = writeln!(out, "{indent}<properties>");
    for (name, value) in [("score", score), ("max_score", max_score)] {
        let _ = writeln!(
            out,
            "{indent}  <property name=\"{name}\" value=\"{}\"/>",
            points(value)
        );
    }
    let _ = writeln!(out, "{indent}</properties>");
}

/// Points as stored (to 1/10000): `2.5`, `10`, never `-0`.
fn points(x: f64) -> String {
    (round_score(x) + 0.0).to_string()
}

/// Character data: cleaned (`untrusted::clean`: control and bidi characters
/// shown as U+FFFD, line ends as `\n`), markup characters escaped, characters
/// XML 1.0 forbids dropped.
fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value: as [`text`], plus quotes and whitespace that parsers
/// would otherwise normalise to spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, in_attr: bool) -> String {
    let s = untrusted::clean(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if in_attr => out.push_str("&quot;"),
            '\'' if in_attr => out.push_str("&apos;"),
            '\n' if in_attr => out.push_str("&#10;"),
            '\t' if in_attr => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            // XML 1.0's Char production excludes these (surrogates cannot be `char`s).
            '\0'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::sample::{results, test};

    fn props(node: roxmltree::Node) -> Vec<(String, String)> {
        child(node, "properties")
            .expect("properties")
            .children()
            .filter(|n| n.has_tag_name("property"))
            .map(|p| {
                (
                    p.attribute("name").unwrap().to_string(),
                    p.attribute("value").unwrap().to_string(),
                )
            })
            .collect()
    }

    fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, tag: &str) -> Option<roxmltree::Node<'a, 'i>> {
        node.children().find(|n| n.has_tag_name(tag))
    }

    fn suite<'a, 'i>(doc: &'a roxmltree::Document<'i>) -> roxmltree::Node<'a, 'i> {
        child(doc.root_element(), "testsuite").expect("testsuite")
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn counts_names_scores_and_failures() {
        let r = results(
            "Graded src/lib.rs for Lab 1.",
            vec![
                test("1", "relu", 10.0, 10.0, "4 of 4 cases passed."),
                test(
                    "2.1",
                    "forward",
                    2.5,
                    10.0,
                    "1 of 4 cases passed.\n✗ case a: value: expected 1, got 2",
                ),
                test("3", "backward", 0.0, 5.0, ""),
            ],
        );
        let xml = junit(&r, "lab1");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("tests"), Some("3"));
        assert_eq!(root.attribute("failures"), Some("2"));
        let suite = suite(&doc);
        assert_eq!(suite.attribute("name"), Some("lab1"));
        assert_eq!(suite.attribute("tests"), Some("3"));
        assert_eq!(suite.attribute("failures"), Some("2"));
        assert_eq!(suite.attribute("time"), Some("1.5"));
        assert_eq!(
            props(suite),
            pairs(&[("score", "12.5"), ("max_score", "25")])
        );
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
        assert_eq!(names, ["1 relu", "2.1 forward", "3 backward"]);
        assert!(cases
            .iter()
            .all(|c| c.attribute("classname") == Some("lab1")));
        assert_eq!(cases[0].attribute("time"), Some("0.25"));
        assert_eq!(
            props(cases[1]),
            pairs(&[("score", "2.5"), ("max_score", "10")])
        );
        assert!(child(cases[0], "failure").is_none());
        let f = child(cases[1], "failure").unwrap();
        assert_eq!(f.attribute("message"), Some("1 of 4 cases passed."));
        assert_eq!(
            f.text(),
            Some("1 of 4 cases passed.\n✗ case a: value: expected 1, got 2")
        );
        assert_eq!(
            child(cases[2], "failure").unwrap().attribute("message"),
            Some("")
        );
        let out = child(suite, "system-out").unwrap();
        assert_eq!(out.text(), Some("Graded src/lib.rs for Lab 1."));
    }

    #[test]
    fn escapes_nasty_output() {
        let nasty =
            "a \"quoted\" <tag> & 'apostrophe' ]]> \u{0}\u{7}\u{1b}[31m\u{ffff} 🦀\tend\r\nline 2";
        let clean =
            "a \"quoted\" <tag> & 'apostrophe' ]]> \u{fffd}\u{fffd}\u{fffd}[31m 🦀\tend\nline 2";
        let r = results(nasty, vec![test("1", "<\"it's\" & co>", 0.0, 1.0, nasty)]);
        let xml = junit(&r, "suite \"<&>\"");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = suite(&doc);
        assert_eq!(suite.attribute("name"), Some("suite \"<&>\""));
        let case = child(suite, "testcase").unwrap();
        assert_eq!(case.attribute("name"), Some("1 <\"it's\" & co>"));
        assert_eq!(case.attribute("classname"), Some("suite \"<&>\""));
        let f = child(case, "failure").unwrap();
        assert_eq!(
            f.attribute("message"),
            Some("a \"quoted\" <tag> & 'apostrophe' ]]> \u{fffd}\u{fffd}\u{fffd}[31m 🦀\tend")
        );
        assert_eq!(f.text(), Some(clean));
        let out = child(suite, "system-out").unwrap();
        assert_eq!(out.text(), Some(clean));
    }

    #[test]
    fn all_passed() {
        let r = results(
            "",
            vec![
                test("1", "relu", 3.0, 3.0, "2 of 2 cases passed."),
                test("2", "softmax", 7.0, 7.0, ""),
            ],
        );
        let xml = junit(&r, "lab1");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = suite(&doc);
        assert_eq!(suite.attribute("tests"), Some("2"));
        assert_eq!(suite.attribute("failures"), Some("0"));
        assert_eq!(props(suite), pairs(&[("score", "10"), ("max_score", "10")]));
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("failure"))
                .count(),
            0
        );
        // A passed test's feedback is its own output; an empty suite output is left out.
        let outs: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("system-out"))
            .map(|n| (n.parent_element().unwrap().tag_name().name(), n.text()))
            .collect();
        assert_eq!(outs, [("testcase", Some("2 of 2 cases passed."))]);
    }

    #[test]
    fn a_compile_failure_is_told_once_in_a_compile_case() {
        let output = "Your src/lib.rs does not compile, so nothing could be graded. The compiler \
                      says:\n\nerror[E0308]: mismatched types\n  --> src/lib.rs:12:5";
        let first = output.lines().next().unwrap();
        let mut r = results(
            output,
            vec![
                test("1", "relu", 0.0, 4.0, &format!("Not graded: {first}")),
                test("2", "forward", 0.0, 6.0, &format!("Not graded: {first}")),
            ],
        );
        r.extra_data.status = Some(Status::DidNotCompile);
        let xml = junit(&r, "lab1");
        assert_eq!(xml.matches("mismatched types").count(), 1, "{xml}");
        assert_eq!(xml.matches("The compiler says").count(), 1, "{xml}");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = suite(&doc);
        assert_eq!(suite.attribute("tests"), Some("3"));
        assert_eq!(suite.attribute("failures"), Some("3"));
        assert!(
            child(suite, "system-out").is_none(),
            "said in the compile case"
        );
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases[0].attribute("name"), Some(COMPILE_CASE));
        let compile = child(cases[0], "failure").unwrap();
        assert_eq!(
            compile.attribute("message"),
            Some("Your src/lib.rs does not compile, so nothing could be graded.")
        );
        assert_eq!(compile.text(), Some(output));
        for case in &cases[1..] {
            let f = child(*case, "failure").unwrap();
            assert_eq!(
                f.attribute("message"),
                Some("Not graded: Your src/lib.rs does not compile, so nothing could be graded.")
            );
            assert!(f.text().unwrap().ends_with("in the test case \"compile\"."));
        }
        // The rubric tests keep their points; the compile case has none.
        assert!(child(cases[0], "properties").is_none());
        assert_eq!(
            props(cases[2]),
            pairs(&[("score", "0"), ("max_score", "6")])
        );
    }

    #[test]
    fn a_missing_file_fails_each_test_with_one_line() {
        let mut r = results(
            "no lib.rs found in the submission",
            vec![test(
                "1",
                "relu",
                0.0,
                4.0,
                "Not graded: no lib.rs found in the submission",
            )],
        );
        r.extra_data.status = Some(Status::NoFileFound);
        let xml = junit(&r, "lab1");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = suite(&doc);
        assert_eq!(suite.attribute("tests"), Some("1"));
        let f = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(
            f.attribute("message"),
            Some("Not graded: no lib.rs found in the submission")
        );
        assert_eq!(f.text(), f.attribute("message"));
        assert_eq!(
            child(suite, "system-out").unwrap().text(),
            Some("no lib.rs found in the submission")
        );
    }

    #[test]
    fn no_tests_is_still_a_valid_suite() {
        let r = Results::grader_failure("no rubric");
        let xml = junit(&r, "lab1");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = suite(&doc);
        assert_eq!(suite.attribute("tests"), Some("0"));
        assert_eq!(props(suite), pairs(&[("score", "0"), ("max_score", "0")]));
    }
}
