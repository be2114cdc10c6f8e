//! GitHub Actions output (`--format github`).
//!
//! - [`annotations`]: workflow commands (`::error ...`, `::notice ...`) for the job's
//!   log, which GitHub's runner turns into annotations on the commit and, with a file
//!   and line, in the pull request's diff.
//! - [`summary_markdown`]: Markdown that the workflow appends to `$GITHUB_STEP_SUMMARY`,
//!   shown on the run's summary page.
//!
//! Both are pure: they format a [`Results`] and print or write nothing.
//!
//! Text from results.json may be the student's (panic messages, compiler
//! messages quoting their code, file names from their upload). In commands it
//! is bounded and inert (`untrusted::inert`: no control character, and no
//! `::` or `##[` the runner could take for a command of its own, such as a
//! forged score notice or `stop-commands`); in Markdown it is escaped so that
//! no markup, HTML, link or image survives (`untrusted::markdown`).

use crate::report::clip_words;
use crate::report::results::status;
use crate::report::results::{round_score, Results, Status, TestResult};
use crate::report::untrusted;
use std::fmt::Write;

/// GitHub shows at most 10 error annotations per step; compile errors come first.
const MAX_COMPILE_ERRORS: usize = 10;
/// A compile error's annotation quotes at most this many lines of its diagnostic.
const MAX_ERROR_LINES: usize = 16;
/// Feedback in the summary table is cut (between words) to this many characters.
const FEEDBACK_CHARS: usize = 120;

/// Workflow commands, one per line: the compile errors found in `results.output`
/// at their place, each with its diagnostic; then each failed test on
/// `student_file` (the student's file as the repository has it), at the line
/// its feedback names in that file (a panic's place) when it names one; or, for
/// a submission that was not run, one annotation saying why; then the score as
/// a notice.
pub fn annotations(results: &Results, student_file: &str) -> String {
    let mut out = String::new();
    let errors = compile_errors(&results.output);
    for e in &errors {
        let file = in_repository(&e.path, student_file);
        let _ = writeln!(
            out,
            "::error file={},line={},col={},title=compile error::{}",
            property(file),
            e.line,
            e.col,
            message(&e.text)
        );
    }
    if status(results) != Status::Graded {
        // Every test says the same "Not graded"; it is said once, and the
        // compiler's text, unless already annotated at its place, comes with it.
        let mut text = not_graded_reason(results);
        let details = results
            .output
            .split_once('\n')
            .map_or("", |(_, rest)| rest.trim());
        // Tests with a line of their own (an API misfit names the test's
        // function) say it under the shared reason.
        for t in &results.tests {
            if let Some(own) = crate::report::own_not_graded_line(results, t) {
                text.push_str(&format!("\n{} {}: {own}", t.number, t.name));
            }
        }
        if errors.is_empty() && !details.is_empty() {
            text.push_str("\n\n");
            text.push_str(details);
        }
        let title = format!(
            "not graded ({}/{})",
            points(results.score),
            points(results.max_score())
        );
        let _ = writeln!(
            out,
            "::error file={},title={}::{}",
            property(student_file),
            property(&title),
            message(&text)
        );
    } else {
        // An ungraded test (a ranked training run) is no error: the step
        // summary's table says what it reached.
        for t in results
            .tests
            .iter()
            .filter(|t| t.status != "passed" && t.max_score > 0.0)
        {
            let title = format!(
                "{} {} ({}/{})",
                t.number,
                t.name,
                points(t.score),
                points(t.max_score)
            );
            let (text, line) = located_feedback(t, student_file);
            // The first line carries the known mistakes the test named.
            let text = match text.split_once('\n') {
                Some((first, rest)) => {
                    format!("{}\n{rest}", crate::report::with_known_mistakes(first, t))
                }
                None => crate::report::with_known_mistakes(&text, t),
            };
            let line = line.map_or(String::new(), |l| format!(",line={l}"));
            let _ = writeln!(
                out,
                "::error file={}{line},title={}::{}",
                property(student_file),
                property(&title),
                message(&text)
            );
        }
    }
    let _ = writeln!(
        out,
        "::notice title=grade::Score {} / {}",
        points(results.score),
        points(results.max_score())
    );
    out
}

/// A Markdown section: `title` (Markdown) and the score as a heading, a table with
/// one row per test, and the overall output folded away when there is any.
pub fn summary_markdown(results: &Results, title: &str) -> String {
    let mut out = format!(
        "## {}: {} / {}\n\n",
        untrusted::markdown(title),
        points(results.score),
        points(results.max_score())
    );
    let graded = status(results) == Status::Graded;
    if !results.tests.is_empty() {
        out.push_str("| # | test | points | result | feedback |\n");
        out.push_str("|---|------|-------:|:------:|----------|\n");
        for t in &results.tests {
            let (mark, feedback) = if t.max_score == 0.0 && graded {
                // Ungraded (a ranked training run): what it reached, either way.
                let mark = if t.status == "passed" { "✅" } else { "➖" };
                (mark, cell(&clip_words(feedback(t), FEEDBACK_CHARS)))
            } else if t.status == "passed" {
                ("✅", String::new())
            } else if !graded {
                // Why, once, in the output below.
                ("❌", "not graded (see the output below)".to_string())
            } else {
                ("❌", cell(&clip_words(feedback(t), FEEDBACK_CHARS)))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} / {} | {mark} | {feedback} |",
                cell(&t.number),
                cell(&t.name),
                points(t.score),
                points(t.max_score)
            );
        }
        out.push('\n');
    }
    let output = untrusted::clean(&untrusted::clip(&results.output, untrusted::OUTPUT_BYTES));
    let output = output.trim_end();
    if !output.trim().is_empty() {
        // A fence longer than any run of backticks in the text cannot be closed by it.
        let longest = output.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        let _ = write!(
            out,
            "<details><summary>Output</summary>\n\n{fence}text\n{output}\n{fence}\n\n</details>\n\n"
        );
    }
    out
}

/// Why nothing was graded, in one sentence: the output's first line, without
/// the "The compiler says:" that introduces the compiler's text.
pub(crate) fn not_graded_reason(results: &Results) -> String {
    let first = results.output.lines().next().unwrap_or("").trim();
    first
        .strip_suffix("The compiler says:")
        .unwrap_or(first)
        .trim_end()
        .to_string()
}

/// A compiler error with a place, from rustc's human-readable diagnostics.
#[derive(Debug, PartialEq)]
struct CompileError {
    path: String,
    line: u32,
    col: u32,
    message: String,
    /// The whole diagnostic, from `error…` to the blank line that ends it.
    text: String,
}

/// The distinct errors (`error[E…]: msg` or `error: msg` directly followed by
/// `--> path:line:col`) in `output`, at most [`MAX_COMPILE_ERRORS`]. Errors in
/// files outside the student's crate (absolute paths: the grader's own probe)
/// are left out.
fn compile_errors(output: &str) -> Vec<CompileError> {
    let mut found: Vec<CompileError> = Vec::new();
    let all: Vec<&str> = output.lines().collect();
    for (k, line) in all.iter().enumerate() {
        let Some(message) = error_message(line.trim_start()) else {
            continue;
        };
        let place = all
            .get(k + 1)
            .and_then(|l| l.trim_start().strip_prefix("--> "));
        let Some(mut parts) = place.map(|p| p.trim_end().rsplitn(3, ':')) else {
            continue;
        };
        let (Some(col), Some(line), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(line), Ok(col)) = (line.parse(), col.parse()) else {
            continue;
        };
        if crate::build::is_grader_place(path) {
            continue;
        }
        let block: Vec<&str> = all[k..]
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .copied()
            .collect();
        let mut text = block[..block.len().min(MAX_ERROR_LINES)].join("\n");
        if block.len() > MAX_ERROR_LINES {
            text.push_str("\n...");
        }
        let e = CompileError {
            path: path.to_string(),
            line,
            col,
            message: message.to_string(),
            text,
        };
        let same = |f: &CompileError| {
            (&f.path, f.line, f.col, &f.message) == (&e.path, e.line, e.col, &e.message)
        };
        if !found.iter().any(same) {
            found.push(e);
            if found.len() == MAX_COMPILE_ERRORS {
                break;
            }
        }
    }
    found
}

/// `msg` from `error[E0308]: msg` or `error: msg`.
fn error_message(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("error")?;
    let rest = match rest.strip_prefix('[') {
        Some(code) => code.split_once(']')?.1,
        None => rest,
    };
    rest.strip_prefix(": ").map(str::trim)
}

/// Compiler paths are relative to the crate the grader built; the student's file
/// (same file name) is where the repository has it.
fn in_repository<'a>(path: &'a str, student_file: &'a str) -> &'a str {
    let name = |p: &'a str| p.rsplit('/').next();
    if name(path) == name(student_file) {
        student_file
    } else {
        path
    }
}

/// A failed test's feedback in one line: its first `✗` line, else its first line.
fn feedback(t: &TestResult) -> &str {
    let mut lines = t.output.lines().map(str::trim);
    let first_failure = lines.clone().find(|l| l.starts_with('✗'));
    first_failure
        .or_else(|| lines.find(|l| !l.is_empty()))
        .unwrap_or("")
}

/// A failed test's annotation: its [`feedback`] and the line of the student's
/// file that feedback names. When the first failure names no line but another
/// failed case does (a panic), that case's line is added and its line used.
fn located_feedback(t: &TestResult, student_file: &str) -> (String, Option<u32>) {
    let first = feedback(t);
    if let Some(line) = student_line(first, student_file) {
        return (first.to_string(), Some(line));
    }
    let other = t
        .output
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('✗'))
        .find_map(|l| student_line(l, student_file).map(|n| (l, n)));
    match other {
        Some((l, n)) => (format!("{first}\n{l}"), Some(n)),
        None => (first.to_string(), None),
    }
}

/// The line of the student's file that `text` names as `PATH:LINE[:COL]`
/// (a relative path ending in the student file's name): the last one named,
/// since a panic's place ends its message.
fn student_line(text: &str, student_file: &str) -> Option<u32> {
    let name = student_file.rsplit('/').next()?;
    text.split(|c: char| c.is_whitespace() || "()[]{},;'\"`".contains(c))
        .rev()
        .find_map(|token| {
            let mut parts = token.trim_end_matches(['.', ':']).split(':');
            let path = parts.next()?;
            let line: u32 = parts.next()?.parse().ok()?;
            let named = path.rsplit('/').next() == Some(name);
            (named && !path.starts_with('/') && line > 0).then_some(line)
        })
}

/// Points as stored (to 1/10000): `2.5`, `10`, never `-0`.
fn points(x: f64) -> String {
    (round_score(x) + 0.0).to_string()
}

/// A workflow command's message: at most [`untrusted::ANNOTATION_BYTES`],
/// each line inert, then GitHub's escaping of data (lines joined by `%0A`).
fn message(s: &str) -> String {
    let s = untrusted::clip(s, untrusted::ANNOTATION_BYTES);
    s.split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            untrusted::inert(line).replace('%', "%25")
        })
        .collect::<Vec<_>>()
        .join("%0A")
}

/// A workflow command's property value: as [`message`], plus `:` and `,`.
fn property(s: &str) -> String {
    message(s).replace(':', "%3A").replace(',', "%2C")
}

/// Text for a Markdown table cell: one line, Markdown and HTML shown
/// literally, no link or image (see [`untrusted::markdown`]).
pub(crate) fn cell(s: &str) -> String {
    untrusted::markdown(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::sample::{results, test};

    const FAILING: &str = "0 of 4 cases passed.\n\
        ✗ case lab_784_8_8_10 (the lab's network [784, 8, 8, 10]): value: expected 2.428414917818207, got 4.85\n\
        ✗ hidden case 3: value: wrong value";

    fn graded() -> Results {
        results(
            "Graded src/lib.rs for Lab 1.",
            vec![
                test("1", "relu", 10.0, 10.0, "4 of 4 cases passed."),
                test("2.1", "forward", 2.5, 10.0, FAILING),
            ],
        )
    }

    /// What `Grader::nothing_graded` makes of a compile failure.
    fn not_compiling(student_file: &str, diagnostics: &str) -> Results {
        let message = format!(
            "Your {student_file} does not compile, so nothing could be graded. \
             The compiler says:\n\n{diagnostics}"
        );
        let first = message.lines().next().unwrap().to_string();
        let mut r = results(
            &message,
            vec![
                test("1", "relu", 0.0, 4.0, ""),
                test("2", "forward", 0.0, 6.0, ""),
            ],
        );
        for t in &mut r.tests {
            t.output = format!("Not graded: {first}");
        }
        r.extra_data.status = Some(Status::DidNotCompile);
        r
    }

    const DIAGNOSTICS: &str = "\
error[E0308]: mismatched types
  --> src/lib.rs:12:5
   |
11 | pub fn relu(x: f64) -> f64 {
   |                        --- expected `f64` because of return type
12 |     x > 0.0
   |     ^^^^^^^ expected `f64`, found `bool`

error: expected one of `,`, `:`, or `}`, found `x`
 --> src/layers/dense.rs:3:9
  |
3 |     let x
  |         ^ expected one of `,`, `:`, or `}`

error[E0425]: cannot find value `y` in this scope
   --> src/lib.rs:120:17
    |
120 |     let z = y;
    |             ^ not found in this scope

error[E0308]: mismatched types
  --> src/lib.rs:12:5

error: could not compile `lab1` (lib) due to 3 previous errors";

    #[test]
    fn annotations_for_failed_tests() {
        assert_eq!(
            annotations(&graded(), "src/lib.rs"),
            "::error file=src/lib.rs,title=2.1 forward (2.5/10)::\
             ✗ case lab_784_8_8_10 (the lab's network [784, 8, 8, 10]): value: expected 2.428414917818207, got 4.85\n\
             ::notice title=grade::Score 12.5 / 20\n"
        );
    }

    #[test]
    fn annotations_when_all_passed() {
        let r = results("", vec![test("1", "relu", 3.0, 3.0, "ok")]);
        assert_eq!(
            annotations(&r, "src/lib.rs"),
            "::notice title=grade::Score 3 / 3\n"
        );
    }

    #[test]
    fn annotations_escape_per_github() {
        let r = results(
            "",
            vec![test(
                "1",
                "a: b, 100%",
                0.25,
                1.0,
                "✗ 50% off: a, b\r\nsecond",
            )],
        );
        assert_eq!(
            annotations(&r, "lab 1/src/lib,v2.rs"),
            "::error file=lab 1/src/lib%2Cv2.rs,title=1 a%3A b%2C 100%25 (0.25/1)::✗ 50%25 off: a, b\n\
             ::notice title=grade::Score 0.25 / 1\n"
        );
        assert_eq!(message("a%b\r\nc: d, e"), "a%25b%0Ac: d, e");
        assert_eq!(property("a%b\r\nc: d, e"), "a%25b%0Ac%3A d%2C e");
    }

    #[test]
    fn student_text_forges_no_command_and_no_markup() {
        let hostile = "✗ case a (x): panicked: \r::notice title=grade::Score 100 / 100\r\
                       ::stop-commands::tok ##[set-output name=s;]1 \u{1b}[1A\u{202e} \
                       <img src=https://e.com/i.png> [link](https://e.com) ![i](x) a@b.co www.e.com";
        let r = results(
            "Graded src/lib.rs.\n::error::forged.txt\n<img src=x>",
            vec![test(
                "1",
                "cost",
                0.0,
                5.0,
                &format!("0 of 1 cases passed.\n{hostile}"),
            )],
        );
        let out = annotations(&r, "src/lib.rs");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[0].starts_with("::error file=src/lib.rs,title=1 cost (0/5)::"));
        assert_eq!(lines[1], "::notice title=grade::Score 0 / 5");
        // After the command's own `::`, nothing the runner could read as another.
        let message = lines[0].split_once("(0/5)::").unwrap().1;
        for bad in ["::", "##[", "\r", "\u{1b}", "\u{202e}"] {
            assert!(!message.contains(bad), "{bad:?} in {message}");
        }
        let markup = "✗ <img src=https://e.com/i.png> [l](https://e.com) ![i](x) a@b.co www.e.com";
        let r = results(
            "Graded src/lib.rs.\n::error::forged.txt\n<img src=x>",
            vec![test(
                "1",
                "cost",
                0.0,
                5.0,
                &format!("0 of 1 cases passed.\n{markup}"),
            )],
        );
        let md = summary_markdown(&r, "Lab <b>");
        assert!(md.starts_with("## Lab \\<b\\>: 0 / 5"), "{md}");
        let row = md.lines().find(|l| l.starts_with("| 1 ")).unwrap();
        assert!(row.contains("\\<img src=https\\://e.com/i.png\\>"), "{row}");
        for bad in [" <img", " [l]", "https://", "@b", "www.e"] {
            assert!(!row.contains(bad), "{bad:?} in {row}");
        }
        // The output is in a fenced block, cleaned, so no markup applies.
        assert!(md.contains("```text\nGraded src/lib.rs.\n::error::forged.txt\n<img src=x>\n```"));
        let huge = results(&"x\n".repeat(1 << 20), vec![]);
        assert!(summary_markdown(&huge, "Lab").len() < 2 * untrusted::OUTPUT_BYTES);
        let huge = results(
            "",
            vec![test(
                "1",
                "t",
                0.0,
                1.0,
                &format!("✗ {}", "y".repeat(1 << 20)),
            )],
        );
        assert!(annotations(&huge, "src/lib.rs").len() < 2 * untrusted::ANNOTATION_BYTES);
    }

    #[test]
    fn compile_errors_are_parsed_and_deduplicated() {
        let found = compile_errors(DIAGNOSTICS);
        let place = |e: &CompileError| (e.path.clone(), e.line, e.col, e.message.clone());
        assert_eq!(
            found.iter().map(place).collect::<Vec<_>>(),
            [
                ("src/lib.rs".into(), 12, 5, "mismatched types".into()),
                (
                    "src/layers/dense.rs".into(),
                    3,
                    9,
                    "expected one of `,`, `:`, or `}`, found `x`".into()
                ),
                (
                    "src/lib.rs".into(),
                    120,
                    17,
                    "cannot find value `y` in this scope".into()
                ),
            ]
        );
    }

    #[test]
    fn compile_errors_without_a_place_or_outside_the_crate_are_skipped() {
        let text = "error: linking failed\nnote: see above\n\
                    error[E0433]: failed to resolve\n  --> /tmp/grade-x/probe/call.rs:4:1\n\
                    error[E0308]: mismatched types\n  --> grader's adapter.rs:68:17\n\
                    error: bad\n  --> src/lib.rs:x:1\n\
                    warning: unused\n  --> src/lib.rs:1:1\n\
                    error: last line, no place";
        assert_eq!(compile_errors(text), []);
    }

    #[test]
    fn compile_errors_are_capped() {
        let text: String = (1..=15)
            .map(|i| format!("error: e{i}\n --> src/lib.rs:{i}:1\n"))
            .collect();
        let found = compile_errors(&text);
        assert_eq!(found.len(), MAX_COMPILE_ERRORS);
        assert_eq!(found[9].message, "e10");
    }

    #[test]
    fn annotations_for_a_compile_failure() {
        let r = not_compiling("lab1/src/lib.rs", DIAGNOSTICS);
        let out = annotations(&r, "lab1/src/lib.rs");
        assert_eq!(
            out,
            "::error file=lab1/src/lib.rs,line=12,col=5,title=compile error::\
             error[E0308]: mismatched types%0A  --> src/lib.rs:12:5%0A   |%0A\
             11 | pub fn relu(x: f64) -> f64 {%0A   |                        --- expected `f64` \
             because of return type%0A12 |     x > 0.0%0A   |     ^^^^^^^ expected `f64`, found `bool`\n\
             ::error file=src/layers/dense.rs,line=3,col=9,title=compile error::\
             error: expected one of `,`, `:`, or `}`, found `x`%0A --> src/layers/dense.rs:3:9%0A  |%0A\
             3 |     let x%0A  |         ^ expected one of `,`, `:`, or `}`\n\
             ::error file=lab1/src/lib.rs,line=120,col=17,title=compile error::\
             error[E0425]: cannot find value `y` in this scope%0A   --> src/lib.rs:120:17%0A    |%0A\
             120 |     let z = y;%0A    |             ^ not found in this scope\n\
             ::error file=lab1/src/lib.rs,title=not graded (0/10)::\
             Your lab1/src/lib.rs does not compile, so nothing could be graded.\n\
             ::notice title=grade::Score 0 / 10\n"
        );
        // Each diagnostic once; no "The compiler says:" left hanging, per test or at all.
        assert_eq!(out.matches("mismatched types").count(), 1);
        assert!(!out.contains("The compiler says"));
        assert!(!out.contains("title=1 relu"), "no annotation per test");
    }

    #[test]
    fn a_failure_without_a_located_error_is_one_annotation_with_the_text() {
        // An API mismatch: the errors are in the grader's probe (named as
        // the grader's files; results.json files written before named them
        // by an absolute path).
        let diagnostics = "error[E0425]: cannot find function `relu` in module `student`\n  \
                           --> grader's adapter.rs:4:1\n\nerror: aborting";
        let mut r = not_compiling("src/lib.rs", diagnostics);
        let api =
            |text: &str| text.replace("does not compile", "compiles, but it does not provide");
        r.output = api(&r.output);
        for t in &mut r.tests {
            t.output = api(&t.output);
        }
        let out = annotations(&r, "src/lib.rs");
        let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error")).collect();
        assert_eq!(errors.len(), 1, "{out}");
        assert!(
            errors[0].starts_with(
                "::error file=src/lib.rs,title=not graded (0/10)::Your src/lib.rs compiles, but it \
                 does not provide, so nothing could be graded.%0A%0Aerror[E0425]: cannot find \
                 function `relu`"
            ),
            "{out}"
        );
        assert_eq!(out.matches("cannot find function").count(), 1);
        // A test with a line of its own (an API misfit names its function)
        // says it under the shared reason.
        r.tests[1].output = "Not graded: the grader calls your `forward`, and the compiler \
                             says: cannot find function `forward` in your file."
            .into();
        let out = annotations(&r, "src/lib.rs");
        assert!(
            out.contains(
                "nothing could be graded.%0A2 forward: Not graded: the grader calls your `forward`"
            ),
            "{out}"
        );
        assert!(!out.contains("1 relu: "), "{out}");

        let mut missing = results(
            "no lib.rs found in the submission (looked for src/lib.rs)",
            vec![test(
                "1",
                "relu",
                0.0,
                4.0,
                "Not graded: no lib.rs found in the submission",
            )],
        );
        missing.extra_data.status = Some(Status::NoFileFound);
        assert_eq!(
            annotations(&missing, "src/lib.rs"),
            "::error file=src/lib.rs,title=not graded (0/4)::no lib.rs found in the submission \
             (looked for src/lib.rs)\n::notice title=grade::Score 0 / 4\n"
        );
    }

    #[test]
    fn failed_tests_are_annotated_at_the_student_line_they_name() {
        let r = results(
            "",
            vec![
                test(
                    "1",
                    "forward",
                    0.0,
                    5.0,
                    "0 of 2 cases passed.\n✗ case a (x): panicked: index out of bounds: the len \
                     is 2 but the index is 2 at src/lib.rs:34\n✗ hidden case 2: panicked at src/lib.rs:40",
                ),
                test(
                    "2",
                    "cost",
                    0.0,
                    5.0,
                    "0 of 2 cases passed.\n✗ case a (x): value: expected 1, got 2\n\
                     ✗ case b (y): panicked: boom at src/lib.rs:34",
                ),
                test(
                    "3",
                    "train",
                    0.0,
                    5.0,
                    "✗ case a (x): not implemented yet (todo!() reached at src/lib.rs:76)",
                ),
                test(
                    "4",
                    "other files",
                    0.0,
                    5.0,
                    "✗ case a (x): panicked: bad at src/network.rs:9\n\
                     ✗ case b (y): panicked at /home/u/.cargo/ndarray/src/lib.rs:12",
                ),
            ],
        );
        assert_eq!(
            annotations(&r, "lab1/src/lib.rs"),
            "::error file=lab1/src/lib.rs,line=34,title=1 forward (0/5)::✗ case a (x): panicked: \
             index out of bounds: the len is 2 but the index is 2 at src/lib.rs:34\n\
             ::error file=lab1/src/lib.rs,line=34,title=2 cost (0/5)::✗ case a (x): value: \
             expected 1, got 2%0A✗ case b (y): panicked: boom at src/lib.rs:34\n\
             ::error file=lab1/src/lib.rs,line=76,title=3 train (0/5)::✗ case a (x): not \
             implemented yet (todo!() reached at src/lib.rs:76)\n\
             ::error file=lab1/src/lib.rs,title=4 other files (0/5)::✗ case a (x): panicked: bad \
             at src/network.rs:9\n\
             ::notice title=grade::Score 0 / 20\n"
        );
        assert_eq!(student_line("at src/lib.rs:12:5.", "src/lib.rs"), Some(12));
        assert_eq!(
            student_line("lib.rs:3 then src/lib.rs:9", "src/lib.rs"),
            Some(9)
        );
        assert_eq!(
            student_line("src/lib.rs:0 or src/lib.rs:x", "src/lib.rs"),
            None
        );
    }

    #[test]
    fn summary_table() {
        assert_eq!(
            summary_markdown(&graded(), "Lab 1"),
            "## Lab 1: 12.5 / 20\n\n\
             | # | test | points | result | feedback |\n\
             |---|------|-------:|:------:|----------|\n\
             | 1 | relu | 10 / 10 | ✅ |  |\n\
             | 2.1 | forward | 2.5 / 10 | ❌ | ✗ case lab\\_784\\_8\\_8\\_10 (the lab's network \\[784, 8, 8, 10\\]): \
             value: expected 2.428414917818207, got 4.85 |\n\n\
             <details><summary>Output</summary>\n\n\
             ```text\nGraded src/lib.rs for Lab 1.\n```\n\n\
             </details>\n\n"
        );
    }

    #[test]
    fn summary_cells_are_escaped_and_clipped_between_words() {
        let long = format!(
            "✗ a|b <br> `c` expected {}",
            "2.428414917818207 ".repeat(10)
        );
        let r = results("", vec![test("1", "sum | max", 0.0, 1.0, &long)]);
        let md = summary_markdown(&r, "Lab");
        let row = md.lines().find(|l| l.starts_with("| 1 ")).unwrap();
        let clipped = format!(
            "✗ a\\|b \\<br\\> \\`c\\` expected {}…",
            "2.428414917818207 ".repeat(5)
        );
        assert_eq!(row, format!("| 1 | sum \\| max | 0 / 1 | ❌ | {clipped} |"));
        // No output, no details block.
        assert!(!md.contains("<details>"));
    }

    #[test]
    fn summary_output_fence_outlasts_backticks_in_it() {
        let r = results("see ```rust\nfn f() {}\n````", vec![]);
        assert_eq!(
            summary_markdown(&r, "Lab"),
            "## Lab: 0 / 0\n\n\
             <details><summary>Output</summary>\n\n\
             `````text\nsee ```rust\nfn f() {}\n````\n`````\n\n\
             </details>\n\n"
        );
    }

    #[test]
    fn summary_of_a_compile_failure() {
        let md = summary_markdown(&not_compiling("src/lib.rs", DIAGNOSTICS), "Lab 1");
        assert!(md.starts_with("## Lab 1: 0 / 10\n\n"));
        assert!(md.contains("| 2 | forward | 0 / 6 | ❌ | not graded (see the output below) |\n"));
        assert_eq!(md.matches("The compiler says:").count(), 1, "{md}");
        assert!(md.contains("error[E0308]: mismatched types\n  --> src/lib.rs:12:5\n"));
    }
}
