//! Hostile text: what a student's code or upload says reaches no output
//! unbounded, active or secret. Each test grades a CS240 solution with attack
//! code spliced into `NeuralNetwork::cost` (5 points; `mini_batch_GD`, 10
//! points, calls it) through the real `grade` binary, with every output on:
//! results.json, `--junit`, `--format github` with a step summary, and
//! `GRADE_REPORT_PEAK=1` for the grader's own peak memory. Each asserts the
//! bound on time and memory, a valid results.json written by the grader, the
//! exact score the rest earns, and what must not appear anywhere.
//!
//! The attacks are written for this repository: panic messages of megabytes,
//! hidden inputs printed into panics and exit codes, GitHub workflow commands,
//! ANSI escapes and bare carriage returns in panics and file names, a wrong
//! answer aiming for the leaderboard, and HTML and links in a batch.

mod common;

use common::{check_gradescope_shape, copy_of_root, grade_bin, solution_source, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Generous: the machine is shared.
const BOUND: Duration = Duration::from_secs(120);
/// The grader's own peak (VmHWM); a warm solution grading peaks near 10 MiB.
const PEAK_KB: u64 = 256 << 10;

const COST_ANCHOR: &str = "    pub fn cost(&self, data: &[Example]) -> f64 {\n";

/// The solution with `body` at the top of `cost`.
fn with_cost_body(body: &str) -> String {
    let solution = solution_source("cs240");
    assert_eq!(solution.matches(COST_ANCHOR).count(), 1);
    solution.replace(COST_ANCHOR, &format!("{COST_ANCHOR}{body}\n"))
}

/// Everything one grading wrote.
struct Run {
    results: Value,
    raw: String,
    stdout: String,
    stderr: String,
    junit: String,
    summary: String,
    elapsed: Duration,
    peak_kb: u64,
}

impl Run {
    fn score(&self) -> f64 {
        self.results["score"].as_f64().unwrap()
    }

    fn failed(&self) -> Vec<String> {
        common::failed_tests(&self.results)
    }

    /// Every output a person or a CI system reads.
    fn everything(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}",
            self.raw, self.stdout, self.stderr, self.junit, self.summary
        )
    }

    fn test_output(&self, name: &str) -> String {
        self.results["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no test {name}"))["output"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Grader-side bounds every attack must keep.
    fn assert_bounded(&self, what: &str) {
        assert!(self.elapsed < BOUND, "{what}: took {:?}", self.elapsed);
        assert!(
            self.peak_kb > 0 && self.peak_kb < PEAK_KB,
            "{what}: grader peak {} kB\n{}",
            self.peak_kb,
            self.stderr
        );
        assert!(
            self.raw.len() <= 1 << 20,
            "{what}: results.json {} bytes",
            self.raw.len()
        );
        assert!(
            self.junit.len() <= 1 << 20,
            "{what}: JUnit {} bytes",
            self.junit.len()
        );
        assert!(
            self.stdout.len() <= 1 << 20,
            "{what}: stdout {} bytes",
            self.stdout.len()
        );
        roxmltree::Document::parse(&self.junit).unwrap_or_else(|e| panic!("{what}: JUnit: {e}"));
    }
}

/// Grades `upload` with results.json, JUnit, GitHub annotations and summary.
fn grade(upload: &Path, extra_env: &[(&str, &Path)]) -> Run {
    let work = tempfile::tempdir().unwrap();
    let results_path = work.path().join("results.json");
    let junit_path = work.path().join("junit.xml");
    let summary_path = work.path().join("summary.md");
    let start = Instant::now();
    let mut cmd = grade_bin();
    cmd.args(["--lab", "cs240", "--format", "github", "--submission"])
        .arg(upload)
        .arg("--out")
        .arg(&results_path)
        .arg("--junit")
        .arg(&junit_path)
        .env("GITHUB_STEP_SUMMARY", &summary_path)
        .env("GRADE_REPORT_PEAK", "1");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("run grade");
    let elapsed = start.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let raw = std::fs::read_to_string(&results_path)
        .unwrap_or_else(|e| panic!("no results.json ({e}): {}", text(&output)));
    let results: Value = serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("results.json is not JSON ({e}): {raw}"));
    check_gradescope_shape(&results);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let peak_kb = stderr
        .lines()
        .find_map(|l| l.strip_prefix("grade: peak memory "))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0);
    Run {
        results,
        raw,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
        junit: std::fs::read_to_string(&junit_path).unwrap_or_default(),
        summary: std::fs::read_to_string(&summary_path).unwrap_or_default(),
        elapsed,
        peak_kb,
    }
}

/// An upload folder with `source` as `src/lib.rs`.
fn upload(source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), source).unwrap();
    dir
}

/// GitHub's runner acts on `::command` at a line's start (after spaces) and on
/// `##[command` anywhere; a bare `\r` starts a line too. The only commands
/// in stdout must be the grader's own annotations and its one score notice.
fn assert_no_forged_command(stdout: &str, score: f64) {
    assert!(!stdout.contains('\r'), "a carriage return in stdout");
    assert!(!stdout.contains('\u{1b}'), "an escape sequence in stdout");
    assert!(
        !stdout.contains("##["),
        "a ##[ command in stdout:\n{stdout}"
    );
    let notices: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("::notice"))
        .collect();
    assert_eq!(
        notices,
        [format!("::notice title=grade::Score {score} / 100")],
        "{stdout}"
    );
    for line in stdout.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("::") {
            assert!(
                trimmed.starts_with("::error file=src/lib.rs,") || trimmed.starts_with("::notice"),
                "a forged command: {line:?}"
            );
            // Within the grader's own command, no second `::` after the
            // message's start.
            let message = trimmed.splitn(3, "::").nth(2).unwrap_or("");
            assert!(!message.contains("::"), "{line:?}");
        } else {
            assert!(!line.contains("::"), "`::` outside a command: {line:?}");
        }
    }
}

#[test]
fn a_huge_panic_message_is_clipped_in_every_output() {
    // 48 KiB (under the runner's smallest answer cap, so the message arrives)
    // and 4 MiB (over it: refused as an answer too large), in one line, with
    // the place of the panic at its end; and 48 KiB in 3000 short lines.
    for (size, line) in [(48 << 10, 16), (4 << 20, 16), (48 << 10, 0)] {
        let source = with_cost_body(&format!(
            r#"        let mut msg = String::from("HEAD-OF-MESSAGE ");
        while msg.len() < {size} {{ msg.push_str("0123456789abcde"); if {line} == 0 {{ msg.push('\n'); }} }}
        panic!("{{msg}} TAIL-OF-MESSAGE");"#
        ));
        let up = upload(&source);
        let run = grade(up.path(), &[]);
        let what = format!("panic of {size} bytes: {}", run.stderr);
        run.assert_bounded(&what);
        // Isolated credit: mini_batch_GD is graded with the reference's cost
        // and passes; only cost's 5 points are lost.
        assert_eq!(run.failed(), ["cost"], "{what}");
        assert_eq!(run.score(), 95.0, "{what}");
        let cost = run.test_output("cost");
        assert!(cost.len() <= 4096, "cost feedback is {} bytes", cost.len());
        if size < 64 << 10 {
            // The message arrived: clipped with a visible note, keeping its
            // head and its end.
            assert!(cost.contains("panicked: HEAD-OF-MESSAGE"), "{cost}");
            assert!(cost.contains("more bytes cut"), "{cost}");
            assert!(cost.contains("TAIL-OF-MESSAGE at src/lib.rs:"), "{cost}");
        } else {
            assert!(cost.contains("answer too large"), "{cost}");
        }
        for line in cost.lines() {
            assert!(line.len() <= 800, "a feedback line of {} bytes", line.len());
        }
        // All of results.json and JUnit stay small: 8 tests' feedback, each bounded.
        assert!(
            run.raw.len() < 64 << 10,
            "results.json {} bytes",
            run.raw.len()
        );
        assert!(
            run.junit.len() < 128 << 10,
            "JUnit {} bytes",
            run.junit.len()
        );
        assert!(
            run.stdout.len() < 64 << 10,
            "stdout {} bytes",
            run.stdout.len()
        );
    }
}

#[test]
fn printed_output_with_endless_lines_is_clipped() {
    // One line of 64 KiB per print, far over what any feedback line keeps.
    let source = with_cost_body(
        r#"        println!("{}", "p".repeat(64 << 10));
        return -1.0;"#,
    );
    let up = upload(&source);
    let run = grade(up.path(), &[]);
    run.assert_bounded("printed");
    // cost 5 lost; mini_batch_GD passes with the reference's cost (isolated credit).
    assert_eq!(run.score(), 95.0);
    let cost = run.test_output("cost");
    assert!(cost.contains("your code printed"), "{cost}");
    assert!(cost.len() <= 4096, "{}", cost.len());
    for line in cost.lines() {
        assert!(line.len() <= 600, "a feedback line of {} bytes", line.len());
    }
}

/// The first number of a hidden case's inputs, as Rust and serde print it.
fn hidden_numbers() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cs240");
    let mut found = Vec::new();
    for case in ["deep_6_7_5_4_3", "deep_5_4_4_4_4_2"] {
        let fixture: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{case}.json"))).unwrap(),
        )
        .unwrap();
        fn numbers(v: &Value, out: &mut Vec<f64>) {
            match v {
                Value::Number(n) => out.extend(n.as_f64()),
                Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
                Value::Object(m) => m.values().for_each(|x| numbers(x, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        numbers(&fixture["inputs"], &mut all);
        // Numbers with enough digits to be unmistakable.
        found.extend(
            all.iter()
                .filter(|x| x.fract() != 0.0 && format!("{x:?}").len() > 8)
                .take(5)
                .map(|x| format!("{x:?}")),
        );
    }
    assert!(found.len() >= 5, "{found:?}");
    found
}

#[test]
fn a_hidden_case_leaks_nothing_through_panics_prints_or_exit_codes() {
    // The deep (hidden) cases are the ones with four or more weight layers:
    // one panics with its inputs, the other prints them and exits with a
    // code taken from them; visible cases get the right answer.
    let source = with_cost_body(
        r#"        if self.weights.len() == 4 {
            panic!("HIDDEN-LEAK {:?} {:?}", self.weights, data.first().map(|d| &d.0));
        }
        if self.weights.len() >= 5 {
            println!("HIDDEN-PRINT {:?}", self.weights);
            eprintln!("HIDDEN-STDERR {:?}", self.weights);
            std::process::exit(40 + self.weights[0].nrows() as i32);
        }"#,
    );
    let up = upload(&source);
    let run = grade(up.path(), &[]);
    let all = run.everything();
    run.assert_bounded("hidden leak");
    // cost: the 2 visible cases pass (2.5 of 5); mini_batch_GD, graded with
    // the reference's cost (isolated credit), passes: 100 - 2.5.
    assert_eq!(run.failed(), ["cost"], "{}", run.raw);
    assert_eq!(run.score(), 97.5, "{}", run.raw);
    let cost = run.test_output("cost");
    assert!(cost.contains("✗ hidden case 3: panicked"), "{cost}");
    assert!(
        cost.contains("✗ hidden case 4: no answer (exited before answering)"),
        "{cost}"
    );
    for leak in [
        "HIDDEN-LEAK",
        "HIDDEN-PRINT",
        "HIDDEN-STDERR",
        "exited with code",
        "\"inputs\"",
    ] {
        assert!(!all.contains(leak), "{leak} in an output:\n{all}");
    }
    for number in hidden_numbers() {
        assert!(
            !all.contains(&number),
            "hidden input {number} in an output:\n{all}"
        );
    }
}

#[test]
fn student_text_forges_nothing_in_the_ci_log() {
    // A visible case's panic says what a workflow would act on, and a file
    // name in the upload does too (named in the "not used" note).
    let source = with_cost_body(
        r#"        panic!("\r::notice title=grade::Score 100 / 100\n::stop-commands::tok\n##[set-output name=score;]100 \u{1b}[2K\u{1b}[1A::add-mask::x \u{202e}");"#,
    );
    let up = upload(&source);
    for name in [
        "x\r::error::forged by a file name.txt",
        "y\n::warning file=lib.rs::forged.txt",
        "##[error]z.txt",
        "\u{1b}[31mred.txt",
    ] {
        std::fs::write(up.path().join(name), "notes").unwrap();
    }
    let run = grade(up.path(), &[]);
    run.assert_bounded("ci log");
    // cost 5 lost; mini_batch_GD passes with the reference's cost (isolated credit).
    assert_eq!(run.failed(), ["cost"], "{}", run.raw);
    assert_eq!(run.score(), 95.0, "{}", run.raw);
    assert_no_forged_command(&run.stdout, 95.0);
    // The note on unused files is still there, readable.
    assert!(
        run.stdout.contains("forged by a file name.txt"),
        "{}",
        run.stdout
    );
    // The step summary shows no command-like or markup text of the student's
    // outside its fenced output block.
    let table: String = run.summary.split("<details>").next().unwrap().to_string();
    assert!(
        !table.contains('\u{1b}') && !table.contains('\r'),
        "{table}"
    );
}

/// A copy of the grader's root (labs, rubrics, fixtures) whose rubric gets `extra`.
fn root_with_rubric(extra: &str) -> tempfile::TempDir {
    let dst = copy_of_root();
    let rubric: PathBuf = dst.path().join("rubrics/cs240.toml");
    let mut text = std::fs::read_to_string(&rubric).unwrap();
    text.push_str(extra);
    std::fs::write(&rubric, text).unwrap();
    dst
}

#[test]
fn a_failing_run_gets_no_leaderboard_place() {
    // "final training cost", smaller is better: a training that reports a
    // cost of 0 at every epoch would top the board without passing its test.
    let root = root_with_rubric(
        "\n[[leaderboard]]\nname = \"final training cost\"\nitem = \"mini_batch_gd\"\n\
         case = \"small_3_5_2\"\noutput = \"cost_history\"\norder = \"asc\"\n",
    );
    let solution = solution_source("cs240");
    let anchor = "        let mut cost_history = Vec::with_capacity(epochs);\n";
    assert_eq!(solution.matches(anchor).count(), 1);
    let cheat = solution.replace(
        anchor,
        &format!("{anchor}        if epochs > 0 {{ return vec![0.0; epochs]; }}\n"),
    );
    let up = upload(&cheat);
    let run = grade(up.path(), &[("GRADE_ROOT", root.path())]);
    run.assert_bounded("leaderboard");
    assert_eq!(run.failed(), ["mini_batch_GD"], "{}", run.raw);
    assert_eq!(run.score(), 90.0, "{}", run.raw);
    assert!(
        run.results
            .get("leaderboard")
            .is_none_or(|l| l.as_array().unwrap().is_empty()),
        "a failing run was ranked: {}",
        run.raw
    );
    // The solution itself is ranked, with the expected value.
    let up = upload(&solution);
    let run = grade(up.path(), &[("GRADE_ROOT", root.path())]);
    assert_eq!(run.score(), 100.0, "{}", run.raw);
    let board = run.results["leaderboard"].as_array().unwrap();
    // The shipped column (the tuning run's accuracy), then this one.
    assert_eq!(board.len(), 2, "{}", run.raw);
    assert_eq!(board[1]["name"], "final training cost");
}

/// summary.md as Markdown reads it: escaped characters removed.
fn unescaped(md: &str) -> String {
    let mut out = String::new();
    let mut chars = md.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn a_batch_summary_carries_no_students_html_or_links() {
    let class = tempfile::tempdir().unwrap();
    let solution = solution_source("cs240");
    let folders = [
        ("neighbour", solution.clone()),
        (
            "<img src=https:__e.com_i.png onerror=alert(1)>",
            format!("{solution}\ncompile_error!(\"<img src=https://e.com/x.png> [click](https://e.com) me@e.com www.e.com\");\n"),
        ),
        (
            "[link](https:__e.com)",
            with_cost_body(r#"        panic!("![i](https://e.com/i.png) <script>alert(1)</script>");"#),
        ),
    ];
    for (who, source) in &folders {
        std::fs::create_dir_all(class.path().join(who).join("src")).unwrap();
        std::fs::write(class.path().join(who).join("src/lib.rs"), source).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let output = grade_bin()
        .args(["batch", "--lab", "cs240", "--jobs", "2", "--submissions"])
        .arg(class.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(start.elapsed() < 2 * BOUND);
    let summary = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    let read = unescaped(&summary);
    for bad in ["<img", "<script", "](https", "https://", "me@e", "www.e"] {
        assert!(!read.contains(bad), "{bad:?} in summary.md:\n{summary}");
    }
    // The one image is the grader's own histogram.
    assert_eq!(read.matches("](").count(), 1, "{summary}");
    // Neighbours graded as they deserve.
    let mut reader = csv::Reader::from_path(out.path().join("gradebook.csv")).unwrap();
    let mut totals: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[2].to_string())
        })
        .collect();
    totals.sort();
    assert_eq!(
        totals,
        [
            (
                "<img src=https:__e.com_i.png onerror=alert(1)>".to_string(),
                "0".to_string()
            ),
            // cost panics: 5 lost (mini_batch_GD passes under isolated credit).
            ("[link](https:__e.com)".to_string(), "95".to_string()),
            ("neighbour".to_string(), "100".to_string()),
        ],
        "{summary}"
    );
}
