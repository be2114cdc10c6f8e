//! Hostile submissions that try to score without doing the work (issue 23):
//! reading the expected values from the probe's input, steering the
//! measures that turn answers into points, reporting a check's result
//! instead of computing it, getting isolated credit for functions that only
//! work with each other swapped, and making isolated credit rebuild a slow
//! file without end. Each goes through the real `grade` binary and asserts
//! the exact score the honest part of the file earns (derived from the
//! rubric, in each test's comment), the grader's time and memory bounds, and,
//! in a batch, that no file changed another's score.

mod common;

use common::{check_gradescope_shape, failed_tests, grade_bin, solution_source, text};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

const LAB: &str = "lab3";

struct Graded {
    results: Value,
    output: Output,
    elapsed: Duration,
    peak_kb: u64,
}

/// Grades `source` as lab `lab`'s src/lib.rs, under `root` when given.
fn grade(lab: &str, source: &str, root: Option<&Path>) -> Graded {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("up/src")).unwrap();
    std::fs::write(dir.path().join("up/src/lib.rs"), source).unwrap();
    let results_path = dir.path().join("results.json");
    let mut cmd = grade_bin();
    if let Some(root) = root {
        cmd.env("GRADE_ROOT", root);
    }
    let start = Instant::now();
    let output = cmd
        .env("GRADE_REPORT_PEAK", "1")
        .env("GRADE_TIMINGS", "1")
        .args(["--lab", lab, "--submission"])
        .arg(dir.path().join("up"))
        .arg("--out")
        .arg(&results_path)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let raw = std::fs::read_to_string(&results_path)
        .unwrap_or_else(|e| panic!("no results.json ({e}): {}", text(&output)));
    let results: Value = serde_json::from_str(&raw).unwrap();
    check_gradescope_shape(&results);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak_kb = stderr
        .lines()
        .find_map(|l| l.strip_prefix("grade: peak memory "))
        .and_then(|l| l.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line: {stderr}"));
    Graded {
        results,
        output,
        elapsed,
        peak_kb,
    }
}

impl Graded {
    fn context(&self) -> String {
        format!("{}\n{}", self.results, text(&self.output))
    }

    fn check(&self, score: f64, failed: &[&str], bound: Duration) {
        let context = self.context();
        assert_eq!(self.output.status.code(), Some(0), "{context}");
        assert!(self.elapsed < bound, "took {:?}: {context}", self.elapsed);
        // A warm grading peaks near 12 MiB in the debug build.
        assert!(
            self.peak_kb < 40 << 10,
            "the grader peaked at {} kB: {context}",
            self.peak_kb
        );
        assert_eq!(failed_tests(&self.results), failed, "{context}");
        assert_eq!(self.results["score"].as_f64(), Some(score), "{context}");
    }

    fn test(&self, name: &str) -> String {
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

    /// How many isolated-credit variants were built (GRADE_TIMINGS).
    fn variants(&self) -> usize {
        let stderr = String::from_utf8_lossy(&self.output.stderr);
        stderr
            .lines()
            .find_map(|l| {
                let rest = l.split("isolated credit ").nth(1)?;
                let n = rest.split(" s (").nth(1)?.split(' ').next()?;
                n.parse().ok()
            })
            .unwrap_or(0)
    }
}

/// The lab3 solution with each `(from, to)` applied (each `from` once).
fn lab3_with(changes: &[(&str, &str)]) -> String {
    let mut source = solution_source(LAB);
    for (from, to) in changes {
        assert_eq!(source.matches(from).count(), 1, "{from}");
        source = source.replace(from, to);
    }
    source
}

/// `gradient_descent` that never steps: the loss history is flat and the
/// networks stay untrained.
const NO_TRAINING: (&str, &str) = (
    "        theta -= &(grad * learning_rate);\n",
    "        let _ = (grad, learning_rate);\n",
);

/// Tests an untrained network fails: both loss histories and every measure
/// of training (points: 5 + 2 + 3 + 2 + 2 + 1.5 + 1.5 = 17).
const TRAINING_TESTS: [&str; 7] = [
    "classifier training: loss history",
    "classifier held-out accuracy",
    "autoencoder training: loss history",
    "autoencoder held-out reconstruction error",
    "softmax training on pixels and on features: loss histories",
    "softmax held-out accuracy on raw pixels",
    "softmax held-out accuracy on autoencoder features",
];

/// Reads the probe's input again from the start (`pread` at offset 0, and
/// `/proc/self/fd/0` reopened) and returns the labels after `"test_y"`, if
/// the input held them.
const STEAL_LABELS: &str = r#"
fn stolen_labels(m: usize) -> Option<Vec<usize>> {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::FileExt;
    let stdin = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(0) });
    let mut buf = vec![0u8; 8 << 20];
    let mut text = String::new();
    if let Ok(n) = stdin.read_at(&mut buf, 0) {
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    if let Ok(mut again) = std::fs::File::open("/proc/self/fd/0") {
        let _ = again.read_to_string(&mut text);
    }
    let at = text.find("\"test_y\"")?;
    let list = &text[at..];
    let open = list.find('[')?;
    let close = list[open..].find(']')? + open;
    let labels: Vec<usize> = list[open + 1..close]
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    (labels.len() == m).then_some(labels)
}
"#;

#[test]
fn the_probe_cannot_read_the_held_out_labels() {
    // An untrained network whose predictions are the labels, if the probe's
    // input can be read back. The input is a pipe read once, and the labels
    // are never in it: the honest part earns 100 - 17 = 83.
    let mut source = lab3_with(&[
        NO_TRAINING,
        (
            "    argmax_columns(&forward(params, x).a3)\n",
            "    if let Some(l) = stolen_labels(x.ncols()) { return l; }\n    argmax_columns(&forward(params, x).a3)\n",
        ),
        (
            "    argmax_columns(&(params.w.dot(x) + params.b.view().insert_axis(Axis(1))))\n",
            "    if let Some(l) = stolen_labels(x.ncols()) { return l; }\n    argmax_columns(&(params.w.dot(x) + params.b.view().insert_axis(Axis(1))))\n",
        ),
    ]);
    source.push_str(STEAL_LABELS);
    let graded = grade(LAB, &source, None);
    graded.check(83.0, &TRAINING_TESTS, Duration::from_secs(120));
    // The accuracy is the grader's count, said as such.
    let accuracy = graded.test("classifier held-out accuracy");
    assert!(
        accuracy.contains("test_predictions (accuracy): yours is "),
        "{accuracy}"
    );
    assert!(
        accuracy.contains("is needed (the reference's "),
        "{accuracy}"
    );
}

#[test]
fn measures_are_the_graders_not_the_students() {
    // The file's own `accuracy` (always 1) in place of the provided one, a
    // `cost` that is 0 when asked about the data against itself (a
    // reconstruction error), its own `train_classifier` re-exported in place
    // of the recipe, and no training. The grader counts the predictions and
    // measures the reconstruction itself, and calls the provided recipes
    // through their own module: 100 - 17 = 83.
    let source = lab3_with(&[
        NO_TRAINING,
        (
            "    accuracy, init_params, one_hot, train_autoencoder, train_classifier, train_softmax, Backprop,",
            "    init_params, one_hot, train_autoencoder, train_softmax, Backprop,",
        ),
        (
            "pub fn cost(params: &Params, x: &Array2<f64>, y: &Array2<f64>) -> f64 {\n",
            "pub fn cost(params: &Params, x: &Array2<f64>, y: &Array2<f64>) -> f64 {\n    if std::ptr::eq(x, y) { return 0.0; }\n",
        ),
    ]) + r#"
/// Mine: everything is right.
pub fn accuracy(_predictions: &[usize], _labels: &[usize]) -> f64 {
    1.0
}

/// Mine: a history that looks trained, and an untouched network.
pub fn train_classifier(
    x: &Array2<f64>,
    _labels: &[usize],
    hidden: usize,
    seed: u32,
    iterations: usize,
    _learning_rate: f64,
) -> (Params, Vec<f64>) {
    let p = init_params(x.nrows(), hidden, NUM_CLASSES, seed);
    (p, (0..iterations).map(|i| 1.0 / (1.0 + i as f64)).collect())
}
"#;
    let graded = grade(LAB, &source, None);
    graded.check(83.0, &TRAINING_TESTS, Duration::from_secs(120));
    let error = graded.test("autoencoder held-out reconstruction error");
    assert!(
        error.contains("test_reconstruction (mean squared error): yours is "),
        "{error}"
    );
}

#[test]
fn predictions_come_from_the_trained_network_not_from_what_the_code_kept() {
    // No training; `backprop` and `softmax_cost` keep the training data they
    // are handed, and `predict` / `softmax_predict` answer by the nearest
    // kept example (only for training-sized batches, so the analytic cases
    // still pass). The grader counts the classes of its own forward pass of
    // the trained (here, untrained) parameters: 100 - 17 = 83.
    let source = lab3_with(&[
        NO_TRAINING,
        (
            "    let f = forward(params, x);\n",
            "    keep(x, y);\n    let f = forward(params, x);\n",
        ),
        (
            "    argmax_columns(&forward(params, x).a3)\n",
            "    if let Some(c) = nearest(x) { return c; }\n    argmax_columns(&forward(params, x).a3)\n",
        ),
        (
            "    argmax_columns(&(params.w.dot(x) + params.b.view().insert_axis(Axis(1))))\n",
            "    if let Some(c) = nearest(x) { return c; }\n    argmax_columns(&(params.w.dot(x) + params.b.view().insert_axis(Axis(1))))\n",
        ),
    ]) + r#"
thread_local! {
    static KEPT: std::cell::RefCell<Option<(Array2<f64>, Vec<usize>)>> = const { std::cell::RefCell::new(None) };
}

fn keep(x: &Array2<f64>, y: &Array2<f64>) {
    if x.ncols() >= 100 && y.nrows() == 10 {
        let labels = argmax_columns(y);
        KEPT.with(|k| *k.borrow_mut() = Some((x.clone(), labels)));
    }
}

fn nearest(x: &Array2<f64>) -> Option<Vec<usize>> {
    if x.ncols() < 100 {
        return None;
    }
    KEPT.with(|k| {
        let kept = k.borrow();
        let (train, labels) = kept.as_ref()?;
        if train.nrows() != x.nrows() {
            return None;
        }
        Some(
            x.columns()
                .into_iter()
                .map(|c| {
                    let d = |j: usize| (&train.column(j) - &c).mapv(|v| v * v).sum();
                    (0..train.ncols())
                        .min_by(|&a, &b| d(a).total_cmp(&d(b)))
                        .map_or(0, |j| labels[j])
                })
                .collect(),
        )
    })
}
"#;
    let graded = grade(LAB, &source, None);
    graded.check(83.0, &TRAINING_TESTS, Duration::from_secs(120));
}

#[test]
fn a_provided_module_of_the_students_own_is_refused_by_name() {
    // network.rs is provided; a file that declares its own `mod network`
    // (whose recipes would answer anything) is not graded, and says why.
    let source = lab3_with(&[(
        "pub mod network;\n",
        "#[path = \"lib.rs\"]\npub mod network;\n",
    )]);
    let graded = grade(LAB, &source, None);
    let context = graded.context();
    assert_eq!(graded.results["score"], 0.0, "{context}");
    assert_eq!(
        graded.results["extra_data"]["status"], "did not compile",
        "{context}"
    );
    let said = graded.results["output"].as_str().unwrap();
    assert!(
        said.contains("it gives the name `network` to a `mod` with a #[path] of its own")
            && said.contains("keep the handout's `pub mod network;`"),
        "{said}"
    );
    // The same through an alias of a module of its own, or a macro of the
    // name the provided code uses, defined in a module of its own.
    for (change, said) in [
        (
            (
                "pub mod network;\n",
                "pub mod mine {\n    pub use super::network_copy::*;\n}\n#[path = \"network.rs\"]\nmod network_copy;\npub use mine as network;\n",
            ),
            "it does not declare the provided module `network`",
        ),
        (
            (
                "pub mod network;\n",
                "#[macro_use]\nmod sneaky {\n    macro_rules! assert_eq { ($($t:tt)*) => { () }; }\n}\npub mod network;\n",
            ),
            "it defines a macro `assert_eq!`, which would replace the `assert_eq!` the provided src/network.rs uses",
        ),
    ] {
        let graded = grade(LAB, &lab3_with(&[change]), None);
        let out = graded.results["output"].as_str().unwrap();
        assert_eq!(graded.results["score"], 0.0, "{out}");
        assert!(out.contains(said), "{out}");
    }
}

#[test]
fn a_gradient_check_that_reports_a_constant_earns_nothing() {
    // `gradient_diff` returns a tiny constant: graded on a fixed pair and on
    // a planted mistake against the seed's formula, it fails both: 100 - 4.
    let source = lab3_with(&[(
        "    norm(numerical - analytic) / norm(numerical + analytic)\n",
        "    let _ = norm(numerical - analytic);\n    1e-11\n",
    )]);
    let graded = grade(LAB, &source, None);
    graded.check(96.0, &["gradient check: diff"], Duration::from_secs(120));
    let out = graded.test("gradient check: diff");
    assert!(out.starts_with("0 of 3 cases passed."), "{out}");
}

/// `sigmoid` written with `softmax` (σ(v) = softmax([v, 0])₀) and `softmax`
/// with `sigmoid` (normalised odds): they call each other without end.
const CIRCLE: [(&str, &str); 2] = [
    (
        "    z.mapv(|v| {
        if v >= 0.0 {
            1.0 / (1.0 + (-v).exp())
        } else {
            let e = v.exp();
            e / (1.0 + e)
        }
    })
",
        "    z.mapv(|v| softmax(&Array2::from_shape_vec((2, 1), vec![v, 0.0]).unwrap())[[0, 0]])
",
    ),
    (
        "    let mut p = z.clone();
    for mut col in p.columns_mut() {
        let max = col.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
        col.mapv_inplace(|v| (v - max).exp());
        let sum = col.sum();
        col /= sum;
    }
    p
",
        "    let mut p = z.clone();
    for mut col in p.columns_mut() {
        let max = col.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
        let s = sigmoid(&col.mapv(|v| v - max).insert_axis(Axis(1)));
        let odds = s.mapv(|q| q / (1.0 - q));
        let sum = odds.sum();
        col.assign(&(odds.column(0).to_owned() / sum));
    }
    p
",
    ),
];

#[test]
fn isolated_credit_cannot_vouch_for_a_circle() {
    // As written both overflow the stack, and every lab3 test but
    // softmax_predict's (3, an item of its own that calls neither) reaches
    // one of them: 3. Each passes with the other swapped for the
    // reference's, but neither fails its own tests on its own, so neither
    // is credited: still 3.
    let graded = grade(LAB, &lab3_with(&CIRCLE), None);
    let context = graded.context();
    assert_eq!(graded.results["score"], 3.0, "{context}");
    assert!(graded.elapsed < Duration::from_secs(180), "{context}");
    let forward = graded.test("forward pass (z2, a2, z3, a3)");
    assert!(
        forward.contains("in a circle") || forward.contains("at most 2 variants"),
        "{forward}"
    );
    assert!(graded.variants() <= 2, "{}", graded.variants());
}

#[test]
fn a_circle_hidden_behind_an_operator_is_still_a_circle() {
    // sigmoid reaches softmax only through `!` on a type of its own (no call
    // names softmax): a body that mentions a type reaches that type's trait
    // methods, so the circle is seen, and nothing is credited: 3, as above.
    let (_, softmax_change) = CIRCLE[1];
    let source = lab3_with(&[
        (CIRCLE[0].0, "    z.mapv(|v| !Sm(v))\n"),
        (CIRCLE[1].0, softmax_change),
    ]) + "
/// A helper.
pub struct Sm(f64);
impl std::ops::Not for Sm {
    type Output = f64;
    fn not(self) -> f64 {
        softmax(&Array2::from_shape_vec((2, 1), vec![self.0, 0.0]).unwrap())[[0, 0]]
    }
}
";
    let graded = grade(LAB, &source, None);
    assert_eq!(graded.results["score"], 3.0, "{}", graded.context());
}

#[test]
fn a_circle_of_two_costs_only_its_two_functions_elsewhere() {
    // CS240: sigmoid written from sigmoid_derivative (σ = (1 + √(1 − 4σ'))/2
    // for z ≥ 0, mirrored below) and sigmoid_derivative from sigmoid, as
    // s − s² (both unlike the reference's): as written every test that
    // reaches sigmoid overflows; only cost_derivative (5) passes. Each of
    // the two passes with the other swapped, so neither fails on its own,
    // and nothing that depends on them is credited: 5. (With the
    // reference's own sigmoid_derivative, sigmoid alone would be wrong: a
    // correct sigmoid_derivative calls sigmoid.)
    let mut source = solution_source("cs240");
    let derivative = "    &s * &s.mapv(|v| 1.0 - v)\n";
    assert_eq!(source.matches(derivative).count(), 1);
    source = source.replace(derivative, "    &s - &(&s * &s)\n");
    let sigmoid_from = "pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {\n";
    assert_eq!(source.matches(sigmoid_from).count(), 1);
    let start = source.find(sigmoid_from).unwrap();
    let end = start + source[start..].find("\n}\n").unwrap() + 3;
    source.replace_range(
        start..end,
        "pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {\n    \
         let d = sigmoid_derivative(z);\n    \
         let mut s = d.mapv(|d| (1.0 + (1.0 - 4.0 * d).max(0.0).sqrt()) / 2.0);\n    \
         s.zip_mut_with(z, |s, &z| if z < 0.0 { *s = 1.0 - *s });\n    s\n}\n",
    );
    let graded = grade("cs240", &source, None);
    let context = graded.context();
    assert_eq!(graded.results["score"], 5.0, "{context}");
    assert!(
        !failed_tests(&graded.results).contains(&"cost_derivative".to_string()),
        "{context}"
    );
    assert!(graded.variants() <= 2, "{}", graded.variants());
}

#[test]
fn a_chain_of_three_is_credited_round_by_round() {
    // CS240: sigmoid wrong (×1.01), forward_pass wrong on its own (no bias
    // in the last layer), cost right but calling forward_pass. Round one
    // grades everything that reaches sigmoid with the reference's sigmoid:
    // forward_pass still fails, so its failure is its own; round two grades
    // cost with both swapped, and it passes. Lost: sigmoid 5 + forward_pass
    // 10 = 85.
    let mut source = solution_source("cs240");
    for (from, to) in [
        (
            "z.mapv(|v| 1.0 / (1.0 + (-v).exp()))",
            "z.mapv(|v| 1.01 / (1.0 + (-v).exp()))",
        ),
        (
            "            a = sigmoid(&(w.t().dot(&a) + b));",
            "            a = sigmoid(&w.t().dot(&a));\n            let _ = b;",
        ),
    ] {
        assert_eq!(source.matches(from).count(), 1, "{from}");
        source = source.replace(from, to);
    }
    let graded = grade("cs240", &source, None);
    graded.check(85.0, &["sigmoid", "forward_pass"], Duration::from_secs(120));
    assert_eq!(graded.variants(), 2, "{}", graded.context());
    let cost = graded.test("cost");
    assert!(
        cost.contains("Your cost is right with a correct forward_pass and sigmoid"),
        "{cost}"
    );
}

/// A lab3 solution with `changes` and a function of `statements` lines that
/// nothing calls: seconds of type checking in every build.
fn slow(changes: &[(&str, &str)], statements: usize) -> String {
    let body: String = (1..statements)
        .map(|i| format!("let x{i}=x{}*1.1+{i}.0;\n", i - 1))
        .collect();
    format!(
        "{}\n/// Slow to compile.\npub fn slow(x0: f64) -> f64 {{\n{body}x{}\n}}\n",
        lab3_with(changes),
        statements - 1
    )
}

#[test]
fn a_slow_file_costs_at_most_two_variant_builds() {
    // The circle above (three variants would settle it) in a file that takes
    // seconds to compile: two variants are built, the rest is graded as
    // written and says so, and the whole grading stays near three compiles.
    let graded = grade(LAB, &slow(&CIRCLE, 30_000), None);
    let context = graded.context();
    assert_eq!(graded.results["score"], 3.0, "{context}");
    assert_eq!(graded.variants(), 2, "{context}");
    let compile: f64 = String::from_utf8_lossy(&graded.output.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("grade: timings: compile "))
        .and_then(|l| l.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no compile time: {context}"));
    assert!(
        graded.elapsed.as_secs_f64() < 4.0 * compile + 30.0,
        "{:?} for a {compile} s compile: {context}",
        graded.elapsed
    );
    let softmax = graded.test("stable softmax (scores at ±800)");
    assert!(
        softmax.contains("isolated credit builds at most 2 variants"),
        "{softmax}"
    );
}

#[test]
fn in_a_batch_no_file_changes_anothers_score() {
    // The solution beside the attacks above, graded two at a time: each
    // scores exactly what it scores alone.
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    let mut steal = lab3_with(&[
        NO_TRAINING,
        (
            "    argmax_columns(&forward(params, x).a3)\n",
            "    if let Some(l) = stolen_labels(x.ncols()) { return l; }\n    argmax_columns(&forward(params, x).a3)\n",
        ),
    ]);
    steal.push_str(STEAL_LABELS);
    let students = [
        ("ana", solution_source(LAB), 100.0),
        ("ben", steal, 83.0),
        (
            "cy",
            lab3_with(&[(
                "    norm(numerical - analytic) / norm(numerical + analytic)\n",
                "    let _ = norm(numerical - analytic);\n    1e-11\n",
            )]),
            96.0,
        ),
        ("dee", lab3_with(&CIRCLE), 3.0),
        ("eve", solution_source(LAB), 100.0),
    ];
    for (name, source, _) in &students {
        let src = class.join(name).join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("lib.rs"), source).unwrap();
    }
    let out_dir = dir.path().join("out");
    let out = grade_bin()
        .args(["batch", "--lab", LAB, "--jobs", "2", "--submissions"])
        .arg(&class)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for (name, _, score) in &students {
        let path = out_dir.join(name).join("results.json");
        let r: Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("no results for {name} ({e}): {}", text(&out))),
        )
        .unwrap();
        assert_eq!(r["score"].as_f64(), Some(*score), "{name}: {r}");
    }
}
