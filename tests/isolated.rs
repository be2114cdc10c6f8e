//! Isolated credit (rubric `credit = "isolated"`, the labs' default): a bug
//! costs the points of the tests of the function that holds it. The mutants'
//! isolated scores are checked by each lab's own test file; here, the same
//! mutants graded as written (a rubric copy with `credit = "as_written"`),
//! the feedback that shows both results, a changed signature, and the
//! student's line numbers in a variant.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A copy of the grader's root (labs, rubrics, fixtures) in which `lab`'s
/// rubric says `credit = "as_written"`.
fn as_written_root(lab: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dst = tempfile::tempdir().unwrap();
    for top in [
        "reference/labs",
        "reference/src",
        "reference/data",
        "rubrics",
        "fixtures",
    ] {
        for entry in walkdir::WalkDir::new(src.join(top)) {
            let entry = entry.unwrap();
            let to = dst.path().join(entry.path().strip_prefix(src).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else if entry.path_is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
    }
    std::fs::copy(src.join("Cargo.lock"), dst.path().join("Cargo.lock")).unwrap();
    let rubric: PathBuf = dst.path().join(format!("rubrics/{lab}.toml"));
    let text = std::fs::read_to_string(&rubric).unwrap();
    assert_eq!(text.matches("credit = \"isolated\"").count(), 1);
    std::fs::write(
        &rubric,
        text.replace("credit = \"isolated\"", "credit = \"as_written\""),
    )
    .unwrap();
    dst
}

/// Grades `source` under `root`.
fn grade_with_root(lab: &str, source: &str, root: &Path) -> Value {
    let dir = tempfile::tempdir().unwrap();
    write_submission(lab, source, &dir.path().join("submission"));
    let results = dir.path().join("results.json");
    let out = run(grade_bin()
        .env("GRADE_ROOT", root)
        .args(["--lab", lab, "--submission"])
        .arg(dir.path().join("submission"))
        .arg("--out")
        .arg(&results));
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap()
}

/// Every mutant of `lab` whose isolated result differs, graded as written:
/// the hand-derived `score` and `failed` of tests/mutants/<lab>.toml.
fn check_as_written(lab: &str, names: &[&str]) {
    let root = as_written_root(lab);
    for name in names {
        let (m, source) = mutant_source(lab, name);
        assert!(
            m.isolated_score.is_some(),
            "{name}: the isolated result is the same"
        );
        let r = grade_with_root(lab, &source, root.path());
        let why = format!("{name} ({}) as written:\n{r}", m.why);
        assert_eq!(failed_tests(&r), m.failed, "{why}");
        assert_eq!(r["score"].as_f64().unwrap(), m.score, "{why}");
        // As written, nothing is graded again.
        assert!(!r.to_string().contains("Isolated credit"), "{why}");
    }
}

#[test]
fn cs240_mutants_as_written() {
    check_as_written(
        "cs240",
        &[
            "cost_without_half",
            "sigmoid_derivative_of_activation",
            "transposed_dc_dw",
            "three_layer_hardcode",
            "panic_in_forward_pass",
            "hidden_delta_without_sigmoid_derivative",
        ],
    );
}

#[test]
fn mse2_mutants_as_written() {
    check_as_written("mse2", &["forward_drops_b2"]);
}

#[test]
fn twolayernet_mutants_as_written() {
    check_as_written(
        "twolayernet",
        &[
            "reg_loss_without_half",
            "relu_mask_missing",
            "dscores_not_divided_by_n",
            "predict_argmax_over_columns",
        ],
    );
}

#[test]
fn modular_mutants_as_written() {
    check_as_written(
        "modular",
        &[
            "linear_bias_gradient_averaged",
            "linear_keeps_first_input",
            "linear_d_weights_transposed",
            "sigmoid_backward_from_saved_input",
            "relu_saves_nothing",
            "cross_entropy_averaged_twice",
            "optimizer_skips_bias",
        ],
    );
}

#[test]
fn lab3_mutants_as_written() {
    check_as_written(
        "lab3",
        &[
            "cost_sum_not_mean",
            "backprop_cost_summed",
            "delta2_w2_not_transposed",
            "sigmoid_overflows",
            "forward_examples_as_rows",
            "softmax_cost_not_averaged",
        ],
    );
}

#[test]
fn a_cascade_is_explained_with_both_results() {
    let (_, source) = mutant_source("cs240", "sigmoid_derivative_of_activation");
    let graded = grade_source("cs240", &source);
    let t = graded.test("back_propagation (biases)");
    let out = t["output"].as_str().unwrap();
    assert_eq!(t["score"], 25.0, "{out}");
    // First (after the Markdown fence results.json puts around feedback).
    let first = out.lines().find(|l| !l.starts_with("```")).unwrap_or("");
    assert_eq!(
        first,
        "Your back_propagation is right with a correct sigmoid_derivative; as written it \
         fails because sigmoid_derivative (test 2) fails.",
        "{out}"
    );
    assert!(out.contains("4 of 4 cases passed."), "{out}");
    assert!(
        out.contains("As written (with your own sigmoid_derivative): 0 of 4 cases passed."),
        "{out}"
    );
    // The as-written failures of hidden cases stay as reticent as ever.
    let hidden = out
        .lines()
        .find(|l| l.starts_with("✗ hidden case 3"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        !hidden.chars().any(|c| c.is_ascii_digit() && c != '3'),
        "{hidden}"
    );
    // The function that holds the bug keeps its own failure, as written only.
    let own = graded.test("sigmoid_derivative")["output"]
        .as_str()
        .unwrap();
    assert!(!own.contains("Isolated credit"), "{own}");
}

/// A changed signature fails the API check as written (every test 0); the
/// other functions compile against the reference's version of it.
#[test]
fn a_changed_signature_costs_only_its_own_test() {
    let solution = solution_source("cs240");
    let (from_sig, to_sig) = (
        "        eta: f64,\n    ) -> Vec<f64> {",
        "        eta: f32,\n    ) -> Vec<f64> {",
    );
    let (from_step, to_step) = (
        "let step = eta / batch.len() as f64;",
        "let step = eta as f64 / batch.len() as f64;",
    );
    assert_eq!(solution.matches(from_sig).count(), 1);
    assert_eq!(solution.matches(from_step).count(), 1);
    let source = solution
        .replace(from_sig, to_sig)
        .replace(from_step, to_step);
    // As written: the adapter passes an f64, so nothing is graded.
    let root = as_written_root("cs240");
    let r = grade_with_root("cs240", &source, root.path());
    assert_eq!(r["score"], 0.0, "{r}");
    assert_eq!(r["extra_data"]["status"], "did not compile", "{r}");
    // The compiler's errors are in the grader's own adapter: named as the
    // grader's, not by the temporary folder the probe was built in.
    let said = r["output"].as_str().unwrap();
    assert!(said.contains("--> grader's adapter.rs:"), "{said}");
    assert!(
        !said.contains("/probe/") && !said.contains("grade-"),
        "{said}"
    );
    // Isolated: every test but mini_batch_GD's is graded with the reference's
    // mini_batch_gd and passes: 100 - mini_batch_GD 10 = 90.
    let graded = grade_source("cs240", &source);
    assert_eq!(graded.failed(), ["mini_batch_GD"], "{}", graded.results);
    assert_eq!(graded.score(), 90.0, "{}", graded.results);
    assert_eq!(graded.results["extra_data"]["status"], "graded");
    // Its own test names the function, its line and the compiler's reason.
    let own = graded.test("mini_batch_GD")["output"].as_str().unwrap();
    let line = source
        .lines()
        .position(|l| l.contains("pub fn mini_batch_gd("))
        .unwrap()
        + 1;
    assert!(
        own.contains(&format!(
            "the grader's call to your `mini_batch_gd` (src/lib.rs line {line}) does not \
             compile: mismatched types (expected `f32`, found `f64`)"
        )),
        "{own}"
    );
}

/// A variant blanks the swapped functions in place: a panic in the
/// student's code graded on a variant names the student's own line.
#[test]
fn a_variant_keeps_the_students_line_numbers() {
    let (_, source) = mutant_source("cs240", "sigmoid_derivative_of_activation");
    let anchor = "        let mut activations = vec![x.clone()];\n";
    assert_eq!(source.matches(anchor).count(), 1);
    let source = source.replace(
        anchor,
        &format!("        assert!(x.len() != 3, \"three inputs\");\n{anchor}"),
    );
    let line = source
        .lines()
        .position(|l| l.contains("three inputs"))
        .unwrap()
        + 1;
    let graded = grade_source("cs240", &source);
    let out = graded.test("back_propagation (weights)")["output"]
        .as_str()
        .unwrap();
    let isolated = &out[..out.find("As written").unwrap_or_else(|| panic!("{out}"))];
    assert!(isolated.contains("three inputs"), "{out}");
    assert!(
        isolated.contains(&format!("three inputs at src/lib.rs:{line}\n")),
        "line {line}: {out}"
    );
    // small_3_5_2 (1 of 4 cases) panics even with a correct sigmoid_derivative.
    assert_eq!(graded.test("back_propagation (weights)")["score"], 26.25);
}

/// A changed signature whose callers were changed with it: each test's
/// variant compiles only where no kept function calls it across the
/// student's and the reference's conventions.
#[test]
fn a_changed_signature_keeps_the_points_of_what_compiles_without_it() {
    let mut source = solution_source("cs240");
    for (from, to) in [
        (
            "pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {",
            "pub fn sigmoid(z: Array2<f64>) -> Array2<f64> {",
        ),
        ("let s = sigmoid(z);", "let s = sigmoid(z.clone());"),
        (
            "a = sigmoid(&(w.t().dot(&a) + b));",
            "a = sigmoid(w.t().dot(&a) + b);",
        ),
        (
            "activations.push(sigmoid(&z));",
            "activations.push(sigmoid(z.clone()));",
        ),
    ] {
        assert_eq!(source.matches(from).count(), 1, "{from}");
        source = source.replace(from, to);
    }
    let graded = grade_source("cs240", &source);
    // As written the probe cannot call sigmoid(&z): nothing is graded. One
    // variant replaces sigmoid and every function of the student's that
    // calls it in its changed form (sigmoid_derivative, forward_pass,
    // back_propagation): it compiles, and the tests of the others (cost,
    // cost_derivative, mini_batch_GD) pass on it: 5 + 5 + 10 = 20. The tests
    // of the four replaced functions keep their 0, and say why.
    assert_eq!(
        graded.failed(),
        [
            "sigmoid",
            "sigmoid_derivative",
            "forward_pass",
            "back_propagation (biases)",
            "back_propagation (weights)"
        ],
        "{}",
        graded.results
    );
    assert_eq!(graded.score(), 20.0, "{}", graded.results);
    let fp = graded.test("forward_pass")["output"].as_str().unwrap();
    assert!(
        fp.contains("Not graded again: your forward_pass calls your sigmoid in its changed form"),
        "{fp}"
    );
    assert!(fp.contains("Not graded:"), "{fp}");
    let sigmoid = graded.test("sigmoid")["output"].as_str().unwrap();
    assert!(
        sigmoid.contains("Not graded again: the grader's calls to your sigmoid do not compile"),
        "{sigmoid}"
    );
}

#[test]
fn a_bug_of_one_item_alone_builds_no_variant() {
    // sigmoid written differently from the reference (still right), and the
    // one bug in mini_batch_GD's own code: no other item fails, so nothing
    // is swapped in and the result as written stands, without a second build.
    let (_, source) = mutant_source("cs240", "update_divided_by_data_size");
    let from = "z.mapv(|v| 1.0 / (1.0 + (-v).exp()))";
    assert_eq!(source.matches(from).count(), 1);
    let source = source.replace(from, "z.mapv(|x| (1.0 + (-x).exp()).recip())");
    let graded = grade_source("cs240", &source);
    assert_eq!(
        failed_tests(&graded.results),
        ["mini_batch_GD"],
        "{}",
        graded.results
    );
    let out = graded.test("mini_batch_GD")["output"].as_str().unwrap();
    assert!(!out.contains("Isolated credit"), "{out}");
    assert!(!graded.results.to_string().contains("Isolated credit"));
}

/// `solution` with each `(from, to)` applied (each `from` once).
fn changed(lab: &str, changes: &[(&str, &str)]) -> String {
    let mut source = solution_source(lab);
    for (from, to) in changes {
        assert_eq!(source.matches(from).count(), 1, "{from}");
        source = source.replace(from, to);
    }
    source
}

/// Two independent bugs in two modules whose methods share their names
/// (`forward`, `backward`): each item depends only on its own type's methods
/// (its adapter arm calls them on a binding whose type the code names), so
/// both bugs are failures of their own, and train_network is graded with
/// both swapped on one variant and passes: the lab's 73.5 - Sigmoid 5 -
/// ReLU 5 = 63.5.
#[test]
fn two_modules_with_the_same_method_names_are_told_apart() {
    let source = changed(
        "modular",
        &[
            (
                "grad_output * &out.mapv(|s| s * (1.0 - s))",
                "grad_output * &out.mapv(|s| s * (1.0 + s))",
            ),
            ("            if v <= 0.0 {", "            if v < 0.0 {"),
        ],
    );
    let graded = grade_source("modular", &source);
    assert_eq!(graded.failed(), ["Sigmoid", "ReLU"], "{}", graded.results);
    assert_eq!(graded.score(), 63.5, "{}", graded.results);
    // Sigmoid's own failure was never graded with ReLU's methods swapped.
    let own = graded.test("Sigmoid")["output"].as_str().unwrap();
    assert!(!own.contains("reference's"), "{own}");
}

/// A changed signature (`backprop` with one more parameter, its caller
/// `autoencoder_cost` changed with it): the functions whose own code calls it
/// in the changed form are swapped with it, not those whose recipe does
/// (`gradient_descent` is generic; the provided network.rs calls backprop).
/// Lost: backprop 10 + 12 and autoencoder_cost 8 = 70; `encode`, an item of
/// its own that never calls backprop, keeps its 4.
#[test]
fn a_changed_signature_swaps_only_what_calls_it_in_the_changed_form() {
    let source = changed(
        "lab3",
        &[
            (
                "pub fn backprop(params: &Params, x: &Array2<f64>, y: &Array2<f64>) -> Backprop {",
                "pub fn backprop(params: &Params, x: &Array2<f64>, y: &Array2<f64>, _verbose: bool) -> Backprop {",
            ),
            ("    let b = backprop(params, x, x);", "    let b = backprop(params, x, x, false);"),
            (
                "        theta -= &(grad * learning_rate);",
                "        theta = theta - grad * learning_rate;",
            ),
        ],
    );
    let graded = grade_source("lab3", &source);
    assert_eq!(
        graded.failed(),
        [
            "backprop: its cost and the error terms δ3, δ2",
            "gradient (W1, b1, W2, b2 averaged over the batch, flat)",
            "autoencoder cost and gradient (y = x)",
        ],
        "{}",
        graded.results
    );
    assert_eq!(graded.score(), 70.0, "{}", graded.results);
    let training = graded.test("classifier training: loss history")["output"]
        .as_str()
        .unwrap();
    assert!(!training.contains("changed form"), "{training}");
    // A test that calls the changed function says so, as itself: which
    // function, the grader's call, the compiler's reason.
    let line = source
        .lines()
        .position(|l| l.contains("pub fn backprop("))
        .unwrap()
        + 1;
    assert!(
        training.contains(&format!(
            "As written your file does not compile with the grader's calls: your backprop does \
             not have the handout's signature (the grader's call to your `backprop` (src/lib.rs \
             line {line}) does not compile: this function takes 4 arguments but 3 arguments \
             were supplied). Graded with the reference's backprop in place of yours:"
        )),
        "{training}"
    );
    let autoencoder = graded.test("autoencoder training: loss history")["output"]
        .as_str()
        .unwrap();
    assert!(
        autoencoder
            .contains("your backprop does not have the handout's signature (the grader's call")
            && autoencoder.contains(", and your autoencoder_cost calls it in its changed form."),
        "{autoencoder}"
    );
    // The tests of functions that reach no swapped one say nothing of it.
    let softmax = graded.test("softmax cost")["output"].as_str().unwrap();
    assert!(!softmax.contains("backprop"), "{softmax}");
}

/// A changed signature is said as itself in the tests it touches, and
/// nowhere else: `train_network` with one more parameter leaves the
/// modules' tests (which never call it) graded on the variant with nothing
/// of it in their feedback, and its own test names the grader's call, the
/// line and the compiler's reason. Lost: train_network's 20.
#[test]
fn a_changed_signature_is_named_only_in_the_tests_that_call_it() {
    let source = changed(
        "modular",
        &[(
            "    batch_size: usize,\n) -> TrainingHistory {",
            "    batch_size: usize,\n    _verbose: bool,\n) -> TrainingHistory {",
        )],
    );
    only_train_network_says_so(
        &source,
        "this function takes 6 arguments but 5 arguments were supplied",
    );
}

/// The same with a parameter's type changed (`learning_rate: f32`): the
/// compiler's error is in the grader's call, at the argument, and points at
/// nothing of the student's; the arm of the adapter it is in says whose call.
#[test]
fn a_changed_parameter_type_is_named_in_its_own_test_only() {
    let source = changed(
        "modular",
        &[
            (
                "    learning_rate: f64,\n    batch_size: usize,\n) -> TrainingHistory {",
                "    learning_rate: f32,\n    batch_size: usize,\n) -> TrainingHistory {",
            ),
            (
                "GradientDescentOptimizer::new(learning_rate);",
                "GradientDescentOptimizer::new(learning_rate as f64);",
            ),
        ],
    );
    only_train_network_says_so(&source, "(expected `f32`, found `f64`)");
}

/// `source` (modular) loses train_network's test only, whose feedback names
/// the grader's call to it, its line and the compiler's `reason`; the
/// modules' tests pass and say nothing of it.
fn only_train_network_says_so(source: &str, reason: &str) {
    let graded = grade_source("modular", source);
    assert_eq!(graded.failed(), ["train_network"], "{}", graded.results);
    for name in [
        "Linear",
        "GradientDescentOptimizer",
        "Sigmoid",
        "ReLU",
        "CrossEntropyLoss",
    ] {
        let t = graded.test(name);
        let out = t["output"].as_str().unwrap();
        assert_eq!(t["score"], t["max_score"], "{name}: {out}");
        for never in [
            "train_network",
            "fails because",
            "As written",
            "reference's",
        ] {
            assert!(!out.contains(never), "{name} says {never:?}: {out}");
        }
    }
    let line = source
        .lines()
        .position(|l| l.contains("pub fn train_network("))
        .unwrap()
        + 1;
    let own = graded.test("train_network")["output"].as_str().unwrap();
    assert!(
        own.contains(&format!(
            "the grader's call to your `train_network` (src/lib.rs line {line}) does not compile"
        )),
        "{own}"
    );
    assert!(own.contains(reason), "{own}");
}

/// A test graded again that does no better shows its result once, not
/// the same feedback twice: CS240's mini_batch_gd that never moves the
/// weights (step 0) fails the same with the reference's sigmoid_derivative
/// (wrong too, a dependency through back_propagation) as with the student's.
#[test]
fn identical_isolated_and_as_written_results_are_said_once() {
    let source = changed(
        "cs240",
        &[
            ("let s = sigmoid(z);", "let s = z.clone();"),
            (
                "let step = eta / batch.len() as f64;",
                "let step = 0.0 * eta / batch.len() as f64;",
            ),
        ],
    );
    let graded = grade_source("cs240", &source);
    let t = graded.test("mini_batch_GD");
    let out = t["output"].as_str().unwrap();
    assert_eq!(t["score"], 0.0, "{out}");
    assert_eq!(out.matches(" cases passed.").count(), 1, "{out}");
    assert!(!out.contains("As written"), "{out}");
    assert!(
        out.contains(
            "Graded again with the reference's sigmoid_derivative in place of yours: the same \
             result, so the mistake is in your mini_batch_gd itself."
        ),
        "{out}"
    );
    // back_propagation passes with the reference's sigmoid_derivative, and
    // its two results differ: both are shown.
    let bp = graded.test("back_propagation (biases)")["output"]
        .as_str()
        .unwrap();
    assert!(
        bp.contains("As written (with your own sigmoid_derivative)"),
        "{bp}"
    );
}

#[test]
fn a_changed_return_type_is_blamed_on_that_function_alone() {
    // sigmoid returns f32 matrices; Sigmoid::forward computes the sigmoid
    // itself, and train_network is written in its own words. The compiler's
    // error lies where the adapter uses sigmoid's result: only sigmoid is
    // blamed, not the modules its arm also calls, and train_network (which
    // never calls sigmoid) is graded as written.
    let source = changed(
        "modular",
        &[
            (
                "pub fn sigmoid(x: &Array2<f64>) -> Array2<f64> {\n    x.mapv(|v| {\n        if v >= 0.0 {\n            1.0 / (1.0 + (-v).exp())\n        } else {\n            let e = v.exp();\n            e / (1.0 + e)\n        }\n    })",
                "pub fn sigmoid(x: &Array2<f64>) -> Array2<f32> {\n    x.mapv(|v| {\n        if v >= 0.0 {\n            (1.0 / (1.0 + (-v).exp())) as f32\n        } else {\n            let e = v.exp();\n            (e / (1.0 + e)) as f32\n        }\n    })",
            ),
            (
                "        let out = sigmoid(x);\n        self.output = Some(out.clone());",
                "        let out = x.mapv(|v| 1.0 / (1.0 + (-v).exp()));\n        self.output = Some(out.clone());",
            ),
            (
                "    let n = dataset.train_x.nrows();",
                "    let n = dataset.train_x.shape()[0];",
            ),
        ],
    );
    let graded = grade_source("modular", &source);
    assert_eq!(graded.failed(), ["Sigmoid"], "{}", graded.results);
    let out = graded.test("Sigmoid")["output"].as_str().unwrap();
    assert!(out.contains("your `sigmoid`"), "{out}");
    assert!(!out.contains("Sigmoid::forward"), "{out}");
    assert!(!out.contains("Sigmoid::backward"), "{out}");
    let train = graded.test("train_network")["output"].as_str().unwrap();
    assert!(!train.contains("changed form"), "{train}");
}
