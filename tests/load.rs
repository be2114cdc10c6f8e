//! Scores do not depend on machine load: runs are limited by their CPU
//! time, which load does not change, and the submission's budget is CPU
//! time too. Each test grades the same submission on a quiet machine and
//! with busy processes competing for every core, and compares.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// `n` processes that only compute, killed when dropped.
struct Busy(Vec<Child>);

impl Busy {
    fn start(n: usize) -> Busy {
        Busy(
            (0..n)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .stdout(Stdio::null())
                        .spawn()
                        .expect("start a busy process")
                })
                .collect(),
        )
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Grades `source` for `lab` under the data in `root`, with `busy`
/// processes computing meanwhile; results.json.
fn grade_loaded(root: &Path, lab: &str, source: &str, busy: usize) -> Value {
    let dir = tempfile::tempdir().unwrap();
    write_submission(lab, source, &dir.path().join("submission"));
    let _busy = Busy::start(busy);
    let out = run(grade_bin()
        .env("GRADE_ROOT", root)
        .args(["--lab", lab, "--submission"])
        .arg(dir.path().join("submission"))
        .arg("--out")
        .arg(dir.path().join("results.json")));
    assert!(out.status.success(), "{}", text(&out));
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("results.json")).unwrap())
            .unwrap();
    check_gradescope_shape(&results);
    results
}

/// Each test's (number, score, status).
fn verdicts(results: &Value) -> Vec<(String, f64, String)> {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["number"].as_str().unwrap().to_string(),
                t["score"].as_f64().unwrap(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn output_of<'a>(results: &'a Value, number: &str) -> &'a str {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == number)
        .and_then(|t| t["output"].as_str())
        .unwrap_or_else(|| panic!("no test {number}: {results}"))
}

/// A correct solution of each training lab written the slow way (index
/// loops, a fresh array per step: tests/styles/) is graded five times at
/// once while eight processes compute on the same cores: every grading gets
/// full marks, test for test. Each grading's runs then get a small share of
/// a core, so their wall-clock time grows several times; their CPU time
/// does not, and that is what their limits count.
#[test]
fn a_slow_correct_solution_gets_full_marks_five_times_under_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (lab, source) in [
        ("cs240", include_str!("styles/cs240_loops.rs")),
        ("twolayernet", include_str!("styles/twolayernet_loops.rs")),
        ("lab3", include_str!("styles/lab3_loops.rs")),
        ("modular", include_str!("styles/modular_loops.rs")),
    ] {
        let full: f64 = max_scores(lab).iter().map(|(_, points)| points).sum();
        let _busy = Busy::start(8);
        let gradings: Vec<Value> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..5)
                .map(|_| s.spawn(move || grade_loaded(root, lab, source, 0)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for results in &gradings {
            assert_eq!(results["score"].as_f64(), Some(full), "{lab}: {results}");
            assert_eq!(
                verdicts(results),
                verdicts(&gradings[0]),
                "{lab}: {results}"
            );
        }
    }
}

/// A copy of the data with `changes` made to `rubrics/<lab>.toml`.
fn root_with(lab: &str, changes: &[(&str, &str)]) -> tempfile::TempDir {
    let root = copy_of_root();
    let path = root.path().join(format!("rubrics/{lab}.toml"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in changes {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text = text.replace(from, to);
    }
    std::fs::write(&path, text).unwrap();
    root
}

/// CS240's sigmoid_derivative never returns (it computes forever). With
/// 0.5 s of CPU per run and 1.5 s for the submission, its first runs use
/// their whole limit, a later one what is left, and every run after that
/// is refused: the same runs, the same words and the same score whether
/// the machine is quiet or eight processes compete for its two cores.
#[test]
fn the_cpu_budget_covers_the_same_runs_quiet_or_loaded() {
    let root = root_with(
        "cs240",
        &[
            ("case_seconds = 10 ", "case_seconds = 0.5 "),
            ("submission_seconds = 240 ", "submission_seconds = 1.5 "),
            ("seconds = 60\n", "seconds = 1\n"),
        ],
    );
    let source = solution_source("cs240").replacen(
        "    let s = sigmoid(z);\n    &s * &s.mapv(|v| 1.0 - v)",
        "    let mut i = 0u64;\n    loop {\n        i = std::hint::black_box(i + 1);\n    }",
        1,
    );
    assert!(source.contains("i = std::hint::black_box(i + 1)"));
    let quiet = grade_loaded(root.path(), "cs240", &source, 0);
    let loaded = grade_loaded(root.path(), "cs240", &source, 8);
    assert_eq!(verdicts(&quiet), verdicts(&loaded), "{quiet}\n{loaded}");
    assert_eq!(quiet["score"], loaded["score"]);
    // sigmoid passes (its runs come first); sigmoid_derivative's runs are
    // stopped for CPU time and say so, with what the solution needs.
    assert_eq!(verdicts(&quiet)[0].1, 5.0, "{quiet}");
    let derivative = output_of(&quiet, "2");
    assert!(
        derivative.contains("used its whole 0.5 s of CPU time without answering and was stopped"),
        "{derivative}"
    );
    assert!(
        derivative.contains("The lab's solution needs ")
            && derivative.contains(" s of CPU time on this case"),
        "{derivative}"
    );
    // What comes after the budget is not run, and says why.
    let cost = output_of(&quiet, "3");
    assert!(
        cost.contains("not run: the submission's other runs used up its 1.5 s of CPU time"),
        "{cost}"
    );
    assert_eq!(quiet["score"], 5.0, "{quiet}");
}

/// A function that sleeps is stopped once it has waited 5 s without
/// computing, not at the wall-clock backstop (110 s for a 10 s run), and
/// costs only its own test.
#[test]
fn a_run_that_only_waits_is_stopped_as_idle_and_costs_only_its_test() {
    let source = solution_source("cs240").replacen(
        "    let s = sigmoid(z);\n    &s * &s.mapv(|v| 1.0 - v)",
        "    std::thread::sleep(std::time::Duration::from_secs(600));\n    sigmoid(z)",
        1,
    );
    let root = copy_of_root();
    let start = std::time::Instant::now();
    let results = grade_loaded(root.path(), "cs240", &source, 0);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(90),
        "{:?}",
        start.elapsed()
    );
    let derivative = output_of(&results, "2");
    assert!(
        derivative.contains("waited 5 s without computing and was stopped"),
        "{derivative}"
    );
    assert!(!derivative.contains("endless loop"), "{derivative}");
    assert_eq!(results["tests"][0]["score"], 5.0, "{results}");
}
