//! Helpers for the end-to-end tests: run the real `grade` binary and read the
//! results.json it writes.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn grade_bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grade"));
    // One dependency cache for the whole test run, inside target/.
    cmd.env(
        "GRADE_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("grade-cache"),
    );
    cmd
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run grade")
}

pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Writes `grade starter --lab LAB [--solution]` into a fresh folder.
pub fn starter(lab: &str, solution: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("crate");
    let mut cmd = grade_bin();
    cmd.args(["starter", "--lab", lab, "--out"]).arg(&out_dir);
    if solution {
        cmd.arg("--solution");
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out));
    dir
}

pub fn solution_source(lab: &str) -> String {
    let dir = starter(lab, true);
    std::fs::read_to_string(dir.path().join("crate/src/lib.rs")).unwrap()
}

/// A graded submission: the parsed results.json and the command's output.
pub struct Graded {
    pub results: Value,
    pub output: Output,
    pub dir: tempfile::TempDir,
}

impl Graded {
    pub fn score(&self) -> f64 {
        self.results["score"].as_f64().unwrap()
    }

    pub fn test(&self, name: &str) -> &Value {
        self.results["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no test {name} in {}", self.results))
    }

    pub fn failed(&self) -> Vec<String> {
        failed_tests(&self.results)
    }
}

/// The names of a results.json's graded tests that did not pass, in order
/// (an ungraded one, such as CS240's tuning run, has its own tests).
pub fn failed_tests(results: &Value) -> Vec<String> {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["max_score"].as_f64() != Some(0.0))
        .filter(|t| t["status"] != "passed")
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// Grades `source` as `src/lib.rs` of a submission folder.
pub fn grade_source(lab: &str, source: &str) -> Graded {
    let dir = tempfile::tempdir().unwrap();
    write_submission(lab, source, &dir.path().join("submission"));
    grade_dir(lab, dir)
}

/// A submission crate in `crate_dir`: `source` as src/lib.rs and, for a lab
/// with written answers, the solution's answers file (so a code mutant
/// costs only code points).
pub fn write_submission(lab: &str, source: &str, crate_dir: &Path) {
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::write(crate_dir.join("src/lib.rs"), source).unwrap();
    if let Some(answers) = solution_answers(lab) {
        std::fs::write(crate_dir.join("answers.toml"), answers).unwrap();
    }
}

/// The solution crate's `answers.toml` (`grade starter --solution` fills
/// it from the fixtures), for labs that have one.
pub fn solution_answers(lab: &str) -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root
        .join(format!("reference/labs/{lab}/handout/answers.toml"))
        .exists()
    {
        return None;
    }
    let dir = starter(lab, true);
    Some(std::fs::read_to_string(dir.path().join("crate/answers.toml")).unwrap())
}

/// Grades `dir/submission`, writing `dir/results.json`.
pub fn grade_dir(lab: &str, dir: tempfile::TempDir) -> Graded {
    let results_path: PathBuf = dir.path().join("results.json");
    let out = run(grade_bin()
        .args(["--lab", lab, "--submission"])
        .arg(dir.path().join("submission"))
        .arg("--out")
        .arg(&results_path));
    assert!(out.status.success(), "{}", text(&out));
    let raw = std::fs::read_to_string(&results_path)
        .unwrap_or_else(|e| panic!("no results.json ({e}): {}", text(&out)));
    let results: Value = serde_json::from_str(&raw).expect("results.json is JSON");
    check_gradescope_shape(&results);
    Graded {
        results,
        output: out,
        dir,
    }
}

/// results.json has Gradescope's field names and types, and adds up.
pub fn check_gradescope_shape(r: &Value) {
    let visibilities = ["visible", "hidden", "after_due_date", "after_published"];
    assert!(r["score"].is_number(), "score: {r}");
    assert!(r["execution_time"].is_number());
    assert!(r["output"].is_string());
    assert!(visibilities.contains(&r["visibility"].as_str().unwrap()));
    assert!(visibilities.contains(&r["stdout_visibility"].as_str().unwrap()));
    let tests = r["tests"].as_array().expect("tests is a list");
    let mut sum = 0.0;
    for t in tests {
        for key in ["score", "max_score", "execution_time"] {
            assert!(t[key].is_number(), "{key} in {t}");
        }
        for key in ["name", "number", "output", "status"] {
            assert!(t[key].is_string(), "{key} in {t}");
        }
        assert!(["passed", "failed"].contains(&t["status"].as_str().unwrap()));
        assert!(visibilities.contains(&t["visibility"].as_str().unwrap()));
        let (score, max) = (
            t["score"].as_f64().unwrap(),
            t["max_score"].as_f64().unwrap(),
        );
        assert!((0.0..=max).contains(&score), "{t}");
        // An ungraded test (a ranked training run) passes by reaching a band.
        if max > 0.0 {
            assert_eq!(t["status"] == "passed", score == max, "{t}");
        }
        sum += score;
    }
    assert!(
        (sum - r["score"].as_f64().unwrap()).abs() < 1e-9,
        "tests add up to {sum}: {r}"
    );
}

/// A realistic mistake in a lab: a text replacement in the solution, with the
/// score and failed tests derived by hand (tests/mutants/<lab>.toml).
#[derive(serde::Deserialize)]
pub struct Mutant {
    pub name: String,
    pub why: String,
    pub from: String,
    pub to: String,
    pub score: f64,
    pub failed: Vec<String>,
    /// Under isolated credit (the labs' rubrics), when it differs.
    #[serde(default)]
    pub isolated_score: Option<f64>,
    #[serde(default)]
    pub isolated_failed: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct Mutants {
    mutant: Vec<Mutant>,
}

/// The mutant `name` of `lab`, and the solution with its replacement made.
pub fn mutant_source(lab: &str, name: &str) -> (Mutant, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/mutants/{lab}.toml"));
    let all: Mutants = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let m = all
        .mutant
        .into_iter()
        .find(|m| m.name == name)
        .expect("mutant listed");
    let solution = solution_source(lab);
    assert_eq!(
        solution.matches(&m.from).count(),
        1,
        "{}: `from` must occur exactly once",
        m.name
    );
    let source = solution.replace(&m.from, &m.to);
    (m, source)
}

/// Grades the mutant with the lab's rubric (isolated credit) and checks its
/// exact score and failed tests.
pub fn check_mutant(lab: &str, name: &str) {
    let (m, source) = mutant_source(lab, name);
    let graded = grade_source(lab, &source);
    let why = format!("{} ({}):\n{}", m.name, m.why, graded.results);
    assert_eq!(
        graded.failed(),
        m.isolated_failed.clone().unwrap_or(m.failed.clone()),
        "{why}"
    );
    assert_eq!(graded.score(), m.isolated_score.unwrap_or(m.score), "{why}");
}

/// A fixture file of `lab`, parsed.
pub fn fixture(lab: &str, case: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/{lab}/{case}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every number of a fixture value (scalars, lists, matrices), in order.
pub fn numbers(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().unwrap()],
        Value::Array(a) => a.iter().flat_map(numbers).collect(),
        Value::Object(o) if o.contains_key("data") => numbers(&o["data"]),
        other => panic!("not numbers: {other}"),
    }
}

/// The rubric's tests with their points, read from a grading that compiled nothing.
pub fn max_scores(lab: &str) -> Vec<(String, f64)> {
    let graded = grade_source(lab, "this does not compile");
    graded.results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["max_score"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The lab's solution, from `grade starter --solution`, scores full marks.
pub fn check_solution_scores_full_marks(lab: &str) -> Graded {
    let graded = grade_source(lab, &solution_source(lab));
    assert_eq!(graded.score(), 100.0, "{}", graded.results);
    assert!(graded.failed().is_empty());
    let stdout = String::from_utf8_lossy(&graded.output.stdout).into_owned();
    assert!(stdout.contains("100 / 100"), "{stdout}");
    graded
}

/// The untouched handout, from `grade starter`, scores 0 within `bound`, every
/// test failed with a "not implemented" message.
pub fn check_handout_scores_zero(lab: &str, bound: std::time::Duration) {
    let dir = starter(lab, false);
    std::fs::rename(dir.path().join("crate"), dir.path().join("submission")).unwrap();
    let start = std::time::Instant::now();
    let graded = grade_dir(lab, dir);
    assert!(start.elapsed() < bound, "took {:?}", start.elapsed());
    assert_eq!(graded.score(), 0.0);
    for t in graded.results["tests"].as_array().unwrap() {
        assert_eq!(t["status"], "failed");
        // Code: the stubs' todo!(); written answers: the template's blanks;
        // a run that waits for other tests (training): not started.
        let output = t["output"].as_str().unwrap();
        assert!(
            output.contains("not implemented yet")
                || output.contains(": not answered")
                || output.contains("Not run: "),
            "{t}"
        );
    }
}

/// A private copy of the data `grade` reads at run time (labs, rubrics,
/// fixtures, lock file), so a test can break it without touching the tree.
pub fn copy_of_root() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dst = tempfile::tempdir().unwrap();
    // reference/data: the shipped data sets, which labs' handouts link to.
    for top in ["reference/labs", "reference/data", "rubrics", "fixtures"] {
        for entry in walkdir::WalkDir::new(src.join(top)) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(src).unwrap();
            let to = dst.path().join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else if entry.path_is_symlink() {
                let target = std::fs::read_link(entry.path()).unwrap();
                std::os::unix::fs::symlink(target, &to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
    }
    // The lab's rng.rs links into reference/src, the probe includes wire.rs, and
    // instances.rs is what probes link instead of compiling (without it: slower).
    std::fs::create_dir_all(dst.path().join("reference/src")).unwrap();
    for file in ["rng.rs", "wire.rs", "instances.rs"] {
        let rel = Path::new("reference/src").join(file);
        std::fs::copy(src.join(&rel), dst.path().join(rel)).unwrap();
    }
    std::fs::copy(src.join("Cargo.lock"), dst.path().join("Cargo.lock")).unwrap();
    dst
}

/// The student build (`--no-default-features --features student`), built once per
/// test binary into its own target folder shared by every test file.
pub fn student_binary() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("student-build");
        let out = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--locked",
                "--no-default-features",
                "--features",
                "student",
                "--bin",
                "grade",
            ])
            .arg("--target-dir")
            .arg(&target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "student build failed:\n{}",
            text(&out)
        );
        target.join("debug/grade")
    })
}

/// The shipped digits, read here without the reference: (pixels / 16, label) per row.
pub fn shipped_digits() -> Vec<(Vec<f64>, usize)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/data/digits/digits.csv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Vec<u32> = line.split(',').map(|x| x.parse().unwrap()).collect();
            (
                v[..64].iter().map(|&p| f64::from(p) / 16.0).collect(),
                v[64] as usize,
            )
        })
        .collect()
}
