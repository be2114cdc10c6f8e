//! CS240 section 1.2 (hyperparameter tuning) through the binary: the
//! student's `hyperparameters()` train their own network on the digits; the
//! accuracy lands in the lab's bands and on the leaderboard, only once the
//! functions training uses pass, and only when training ends within budget.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const TUNING: &str = "Hyperparameter tuning (ungraded)";

/// The solution's `hyperparameters()` as `grade starter --solution` writes them.
const SOLUTION_CHOICE: &str = "eta: 1.5,";
const SOLUTION_CHOICE_FULL: &str =
    "hidden_layers: vec![24],\n        eta: 1.5,\n        mini_batch_size: 10,\n        epochs: 40,";
/// The handout's starting choice (the lab's [8, 8], η 3, batches of 10).
const HANDOUT_CHOICE: &str =
    "hidden_layers: vec![8, 8],\n        eta: 3.0,\n        mini_batch_size: 10,\n        epochs: 30,";

fn with_choice(from: &str, to: &str) -> String {
    let source = solution_source("cs240");
    assert_eq!(source.matches(from).count(), 1, "{from} in the solution");
    source.replace(from, to)
}

/// results.json's leaderboard (absent when there is nothing to post).
fn leaderboard(graded: &Graded) -> Vec<Value> {
    match &graded.results["leaderboard"] {
        Value::Null => Vec::new(),
        list => list.as_array().expect("a leaderboard list").clone(),
    }
}

fn output(graded: &Graded) -> String {
    graded.test(TUNING)["output"].as_str().unwrap().to_string()
}

#[test]
fn the_solutions_choice_reaches_the_excellent_band_and_is_ranked() {
    let graded = check_solution_scores_full_marks("cs240");
    let tuning = graded.test(TUNING);
    assert_eq!(tuning["status"], "passed", "{tuning}");
    assert_eq!(tuning["max_score"], 0.0);
    let text = output(&graded);
    assert!(text.contains(": Excellent, above 92 %."), "{text}");
    let board = leaderboard(&graded);
    assert_eq!(board.len(), 1, "{board:?}");
    assert_eq!(board[0]["name"], "Accuracy (%)");
    let value = board[0]["value"].as_f64().unwrap();
    // The seed's "excellent" is above 92 %; 414 of 450 images is exactly 92 %.
    // numpy, training the Python lab's network the same way
    // (scripts/derive_cs240_tuning.py), gets 418 of 450 right: 92.89 %.
    assert_eq!(value, 92.89, "{text}");
    assert!(text.contains(&format!("Accuracy: {value} %")), "{text}");
}

/// The handout's starting choice ([8, 8], η 3, batches of 10, 30 epochs)
/// with working functions is "good": 402 of 450, as numpy derives it
/// (scripts/derive_cs240_tuning.py).
#[test]
fn the_handouts_starting_choice_is_good() {
    let source = with_choice(SOLUTION_CHOICE_FULL, HANDOUT_CHOICE);
    let graded = grade_source("cs240", &source);
    let text = output(&graded);
    assert!(
        text.contains("Accuracy: 89.33 % (402 of 450 right): Good, above 87 %."),
        "{text}"
    );
    assert_eq!(leaderboard(&graded)[0]["value"], 89.33);
}

#[test]
fn a_learning_rate_far_too_small_lands_in_a_lower_band_and_still_ranks() {
    let graded = grade_source("cs240", &with_choice(SOLUTION_CHOICE, "eta: 0.001,"));
    assert_eq!(graded.score(), 100.0, "ungraded: {}", graded.results);
    let text = output(&graded);
    assert!(!text.contains("Excellent, above"), "{text}");
    let value = leaderboard(&graded)[0]["value"].as_f64().unwrap();
    assert!(
        value < 80.0,
        "{value}: η = 0.001 barely moves the weights in 40 epochs"
    );
    assert!(
        text.contains("right): below the bands (the lowest, Acceptable, is above 80 %)."),
        "{text}"
    );
    assert_eq!(graded.test(TUNING)["status"], "failed");
}

/// Grades `source` on the lab data under `root` (a changed rubric):
/// results.json, checked for Gradescope's shape.
fn grade_in_root(root: &Path, source: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    write_submission("cs240", source, &dir.path().join("submission"));
    let out = run(grade_bin()
        .env("GRADE_ROOT", root)
        .args(["--lab", "cs240", "--submission"])
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

/// Test 8's entry in results.json.
fn tuning_of(results: &Value) -> Value {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == "8")
        .expect("test 8")
        .clone()
}

#[test]
fn training_over_budget_is_stopped_reported_and_posts_nothing() {
    let root = copy_of_root();
    let rubric = root.path().join("rubrics/cs240.toml");
    let toml = std::fs::read_to_string(&rubric).unwrap();
    assert!(toml.contains("seconds = 60\n"));
    std::fs::write(&rubric, toml.replace("seconds = 60\n", "seconds = 3\n")).unwrap();
    let start = std::time::Instant::now();
    let results = grade_in_root(
        root.path(),
        &with_choice("epochs: 40,", "epochs: 1_000_000,"),
    );
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
    assert_eq!(results["score"], 100.0, "{results}");
    assert!(results.get("leaderboard").is_none(), "{results}");
    let tuning = tuning_of(&results);
    let said = tuning["output"].as_str().unwrap();
    assert!(
        said.contains(
            "Training used its whole 3 s of CPU time (all its threads together) and was stopped"
        ),
        "{said}"
    );
    assert!(
        said.contains("Nothing is posted to the leaderboard."),
        "{said}"
    );
}

#[test]
fn no_training_until_the_functions_it_uses_pass() {
    let source = with_choice(
        "z.mapv(|v| 1.0 / (1.0 + (-v).exp()))",
        "z.mapv(|v| 1.0 / (1.0 + v.exp()))",
    );
    let graded = grade_source("cs240", &source);
    let tuning = graded.test(TUNING);
    let said = tuning["output"].as_str().unwrap();
    assert!(said.contains("Not run: "), "{said}");
    assert!(said.contains("sigmoid (test 1)"), "{said}");
    assert_eq!(tuning["execution_time"], 0.0, "never started: {tuning}");
    assert!(leaderboard(&graded).is_empty(), "{}", graded.results);
    // Isolated credit still grades the rest as before.
    assert!(graded.score() > 0.0, "{}", graded.results);
}

/// A test that passes only under isolated credit shows "passed" in the
/// table; the run that waits for it says so, and names the function whose
/// reference version it needed, rather than saying it did not pass.
#[test]
fn a_test_passed_only_with_the_references_function_is_said_as_such() {
    // sigmoid_derivative wrong: its own test fails; back_propagation and
    // mini_batch_GD call it and pass only with the reference's.
    let graded = grade_source(
        "cs240",
        &with_choice("let s = sigmoid(z);", "let s = z.clone();"),
    );
    let said = output(&graded);
    let said = said
        .lines()
        .find(|l| !l.starts_with("```"))
        .unwrap_or_default()
        .to_string();
    assert!(said.starts_with("Not run: "), "{said}");
    let (failing, rest) = said
        .split_once("did not pass in full: ")
        .unwrap_or_else(|| panic!("{said}"));
    assert!(failing.contains("this one"), "{said}");
    let failing_part = rest.split(';').next().unwrap();
    assert_eq!(failing_part, "sigmoid_derivative (test 2)", "{said}");
    for name in graded.failed() {
        assert!(said.contains(&name), "{name} is failed: {said}");
    }
    let credited: Vec<&Value> = graded.results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["status"] == "passed"
                && t["output"]
                    .as_str()
                    .is_some_and(|o| o.contains("As written (with your own sigmoid_derivative)"))
        })
        .collect();
    assert!(!credited.is_empty(), "{}", graded.results);
    for t in credited {
        let label = format!(
            "{} (test {})",
            t["name"].as_str().unwrap(),
            t["number"].as_str().unwrap()
        );
        assert!(said.contains(&label), "{label}: {said}");
    }
    assert!(
        said.contains("passed only with the reference's sigmoid_derivative in place of yours"),
        "{said}"
    );
}

#[test]
fn choices_that_cannot_train_are_refused_by_name() {
    let graded = grade_source(
        "cs240",
        &with_choice("mini_batch_size: 10,", "mini_batch_size: 0,"),
    );
    let said = output(&graded);
    assert!(
        said.contains("mini_batch_size is 0; it must be at least 1"),
        "{said}"
    );
    assert!(leaderboard(&graded).is_empty());
    assert_eq!(graded.score(), 100.0);
}

#[test]
fn a_panic_in_hyperparameters_costs_only_the_ranking() {
    let source = with_choice(
        "    Hyperparameters {\n        hidden_layers: vec![24],",
        "    panic!(\"no choice yet\");\n    #[allow(unreachable_code)]\n    Hyperparameters {\n        hidden_layers: vec![24],",
    );
    let graded = grade_source("cs240", &source);
    let said = output(&graded);
    assert!(said.contains("No accuracy: the run panicked"), "{said}");
    assert!(said.contains("no choice yet"), "{said}");
    assert!(leaderboard(&graded).is_empty());
    assert_eq!(graded.score(), 100.0);
}

/// `cargo run --release --example tune` in the handout prints the accuracy
/// the grader ranks: the same data, split, scaling, seed and tie-breaking,
/// worked out by the example's own code from data/digits.csv.
#[test]
fn the_handouts_tune_example_reports_the_graders_accuracy() {
    let dir = starter("cs240", true);
    let crate_dir = dir.path().join("crate");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("handout-target");
    let out = run(Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--release", "--example", "tune"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&crate_dir));
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let printed: f64 = stdout
        .split("test accuracy: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no accuracy in {stdout}"));
    std::fs::rename(&crate_dir, dir.path().join("submission")).unwrap();
    let graded = grade_dir("cs240", dir);
    let ranked = leaderboard(&graded)[0]["value"].as_f64().unwrap();
    assert_eq!(printed, ranked, "{stdout}");
}

/// The solution as a file from before section 1.2: no `hyperparameters()`,
/// no `Hyperparameters` import.
fn older_solution() -> String {
    let source = solution_source("cs240");
    let start = source.find("/// Section 1.2").expect("the tuning doc");
    let end = source
        .find("/// The sigmoid activation")
        .expect("sigmoid's doc");
    let older = format!("{}{}", &source[..start], &source[end..]).replace(
        "Gradients, Hyperparameters, NeuralNetwork",
        "Gradients, NeuralNetwork",
    );
    assert!(!older.contains("Hyperparameters"), "{older}");
    older
}

/// Isolated credit never swaps in the reference's `hyperparameters()` (it
/// would not compile in a file without the type's import): an older file
/// with a bug keeps exactly the credit the same bug earns in a current file.
#[test]
fn an_older_file_with_a_bug_keeps_its_isolated_credit() {
    let (from, to) = (
        "z.mapv(|v| 1.0 / (1.0 + (-v).exp()))",
        "z.mapv(|v| 1.0 / (1.0 + v.exp()))",
    );
    let current = grade_source("cs240", &solution_source("cs240").replace(from, to));
    let older = grade_source("cs240", &older_solution().replace(from, to));
    assert!(current.score() > 5.0, "{}", current.results);
    assert_eq!(older.score(), current.score(), "{}", older.results);
    assert_eq!(older.failed(), current.failed());
    let isolated = older.test("forward_pass")["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!isolated.contains("hyperparameters"), "{isolated}");
}

/// A file from before section 1.2 (no `hyperparameters()`, no
/// `Hyperparameters` import) is graded in full; only the tuning run says
/// what to add. The probe is built again without the optional item.
#[test]
fn a_file_without_hyperparameters_is_graded_and_told_what_to_add() {
    let graded = grade_source("cs240", &older_solution());
    assert_eq!(graded.score(), 100.0, "{}", graded.results);
    let said = output(&graded);
    assert!(
        said.contains(
            "the run was refused: the grader cannot call `hyperparameters()` in your src/lib.rs"
        ),
        "{said}"
    );
    assert!(leaderboard(&graded).is_empty());
}

/// A course may give the bands points: the rubric's bands carry them, the
/// test is worth the best band's, and a run earns the band it reaches.
#[test]
fn a_rubric_may_give_the_bands_points() {
    let root = copy_of_root();
    let rubric = root.path().join("rubrics/cs240.toml");
    let toml = std::fs::read_to_string(&rubric).unwrap();
    let banded = toml
        .replace("total_points = 100\n", "total_points = 103\n")
        .replace(
            "number = \"8\"\nname = \"Hyperparameter tuning (ungraded)\"",
            "number = \"8\"\nname = \"Hyperparameter tuning\"",
        )
        .replace(
            "points = 0\ncompare = \"accuracy\"",
            "points = 3\ncompare = \"accuracy\"",
        )
        .replace(
            "{ name = \"Good\", above = 0.87 }",
            "{ name = \"Good\", above = 0.87, points = 1 }",
        )
        .replace(
            "{ name = \"Very good\", above = 0.90 }",
            "{ name = \"Very good\", above = 0.90, points = 2 }",
        )
        .replace(
            "{ name = \"Excellent\", above = 0.92 }",
            "{ name = \"Excellent\", above = 0.92, points = 3 }",
        );
    assert_eq!(
        banded.matches("points = ").count(),
        toml.matches("points = ").count() + 3
    );
    std::fs::write(&rubric, banded).unwrap();
    let grade_with = |source: &str| grade_in_root(root.path(), source);
    let tuning = tuning_of;
    // Excellent (92.89 %): all 3 points.
    let best = grade_with(&solution_source("cs240"));
    assert_eq!(best["score"], 103.0, "{best}");
    assert_eq!(tuning(&best)["score"], 3.0);
    assert_eq!(tuning(&best)["status"], "passed");
    // The handout's choice, good (89.33 %): 1 of 3, and not "passed".
    let good = grade_with(&with_choice(SOLUTION_CHOICE_FULL, HANDOUT_CHOICE));
    assert_eq!(good["score"], 101.0, "{good}");
    assert_eq!(tuning(&good)["score"], 1.0);
    assert_eq!(tuning(&good)["status"], "failed");
    let said = tuning(&good)["output"].as_str().unwrap().to_string();
    assert!(said.contains("Excellent above 92 % (3 points)"), "{said}");
}
