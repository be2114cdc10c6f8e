//! Written answers (a lab's `[answers]`): a TOML file of the student's, read
//! as data, graded as the outputs of one item, through the real binary. The
//! lab here is mse2 in a copy of the grader's root, given four questions
//! whose expected values are written into two of its fixtures (one public
//! case, one hidden), as `grade fixtures` would from a reference.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;

const TEMPLATE: &str = "# Written answers: four decimals, rounded half up.\n\
    a1 = \"\"          # a₁ of question 3\n\
    class = \"\"       # the predicted class, 1, 2 or 3\n\
    activation = \"\"  # ReLU, tanh, Sigmoid or Linear\n\
    statements = []   # every true statement: \"a\" to \"e\"\n";

/// Right answers, written as a student would.
const RIGHT: &str = "a1 = 0.5477\nclass = 3\nactivation = \"Tanh\"\nstatements = [\"d\", \"B\"]\naccuracy = 0.885\n";

fn written_root() -> tempfile::TempDir {
    let root = copy_of_root();
    let lab = root.path().join("reference/labs/mse2");
    let toml = std::fs::read_to_string(lab.join("lab.toml")).unwrap();
    let toml = toml.replace(
        "[handout]\n",
        "[handout]\n\"answers.toml\" = \"handout/answers.toml\"\n",
    ) + "\n[answers]\nfile = \"answers.toml\"\nitem = \"written\"\n";
    std::fs::write(lab.join("lab.toml"), toml).unwrap();
    std::fs::write(lab.join("handout/answers.toml"), TEMPLATE).unwrap();
    // β₁,₀ after one step in the seed is 0.547741…: only its rounding is asked.
    let expected = json!({
        "a1": 0.547_741_2, "class": 3, "activation": "tanh", "statements": ["b", "d"],
        "accuracy": 0.9
    });
    for case in ["biased_seed1_n50", "biased_seed2_n1"] {
        let path = root.path().join(format!("fixtures/mse2/{case}.json"));
        let mut fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        fixture["expected"]["written"] = expected.clone();
        std::fs::write(&path, serde_json::to_string_pretty(&fixture).unwrap()).unwrap();
    }
    let rubric = root.path().join("rubrics/mse2.toml");
    let text = std::fs::read_to_string(&rubric)
        .unwrap()
        .replace("total_points = 100", "total_points = 106");
    let tests = r#"
[[tests]]
number = "9.1"
name = "written: a1"
item = "written"
outputs = ["a1"]
cases = ["biased_seed1_n50"]
points = 2
compare = "rounded"
decimals = 4

[[tests]]
number = "9.2"
name = "written: class"
item = "written"
outputs = ["class"]
cases = ["biased_seed1_n50"]
points = 1
compare = "exact"

[[tests]]
number = "9.3"
name = "written: activation"
item = "written"
outputs = ["activation"]
cases = ["biased_seed2_n1"]
points = 1
compare = "exact"

[[tests]]
number = "9.5"
name = "written: accuracy"
item = "written"
outputs = ["accuracy"]
cases = ["biased_seed1_n50"]
points = 1
rtol = 0
atol = 0.02

[[tests]]
number = "9.4"
name = "written: statements"
item = "written"
outputs = ["statements"]
cases = ["biased_seed1_n50"]
points = 1
compare = "exact"
"#;
    std::fs::write(&rubric, text + tests).unwrap();
    root
}

/// Grades a crate holding `code` as src/lib.rs and, when given, `answers`
/// as answers.toml, under `root`.
fn grade_with(root: &Path, code: &str, answers: Option<&str>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("submission");
    std::fs::create_dir_all(sub.join("src")).unwrap();
    std::fs::write(sub.join("src/lib.rs"), code).unwrap();
    if let Some(a) = answers {
        std::fs::write(sub.join("answers.toml"), a).unwrap();
    }
    grade_upload(root, &sub)
}

fn grade_upload(root: &Path, sub: &Path) -> Value {
    let results = sub.parent().unwrap().join("results.json");
    let out = run(grade_bin()
        .env("GRADE_ROOT", root)
        .args(["--lab", "mse2", "--submission"])
        .arg(sub)
        .arg("--out")
        .arg(&results));
    assert!(out.status.success(), "{}", text(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    check_gradescope_shape(&r);
    r
}

fn test<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test {name}: {r}"))
}

fn output<'a>(r: &'a Value, name: &str) -> &'a str {
    test(r, name)["output"].as_str().unwrap()
}

#[test]
fn right_answers_earn_their_points_with_the_code() {
    let root = written_root();
    let r = grade_with(root.path(), &solution_source("mse2"), Some(RIGHT));
    assert_eq!(r["score"], 106.0, "{r}");
    let out = r["output"].as_str().unwrap();
    assert!(
        out.contains("Written answers read from answers.toml."),
        "{out}"
    );
    assert!(!out.contains("not used"), "the answers file is read: {out}");
    // 0.54775 is within half a unit of the fourth decimal of 0.5477412.
    let r = grade_with(
        root.path(),
        &solution_source("mse2"),
        Some(&RIGHT.replace("0.5477", "0.54775")),
    );
    assert_eq!(test(&r, "written: a1")["score"], 2.0, "{r}");
}

#[test]
fn wrong_answers_are_named_and_hidden_ones_keep_their_values() {
    let root = written_root();
    let answers =
        "a1 = 0.5476\nclass = \"\"\nactivation = \"ReLU\"\nstatements = [\"b\"]\nclas = 3\naccuracy = 0.87\n";
    let r = grade_with(root.path(), &solution_source("mse2"), Some(answers));
    assert_eq!(r["score"], 100.0, "the code's 100, no written point: {r}");
    let a1 = output(&r, "written: a1");
    assert!(
        a1.contains("a1: expected 0.5477 (to 4 decimals), got 0.5476"),
        "{a1}"
    );
    let class = output(&r, "written: class");
    assert!(class.contains("class: not answered"), "{class}");
    let hidden = output(&r, "written: activation");
    assert!(hidden.contains("activation: wrong value"), "{hidden}");
    assert!(
        !hidden.to_lowercase().contains("tanh") && !hidden.contains("ReLU"),
        "{hidden}"
    );
    let statements = output(&r, "written: statements");
    assert!(
        statements.contains("statements: expected 2 entries, got 1"),
        "{statements}"
    );
    // Within 0.02 of the reference's 0.9 (a number the student writes is
    // held on both sides: a bound alone is met by writing 1).
    let accuracy = output(&r, "written: accuracy");
    assert!(
        accuracy.contains("accuracy: expected 0.9, got 0.87"),
        "{accuracy}"
    );
    let out = r["output"].as_str().unwrap();
    assert!(
        out.contains("answers.toml: `clas` is no question of this lab and was not graded"),
        "{out}"
    );
}

#[test]
fn code_that_does_not_compile_costs_no_written_answer() {
    let root = written_root();
    let r = grade_with(root.path(), "pub fn oops( {\n", Some(RIGHT));
    assert_eq!(r["score"], 6.0, "{r}");
    assert_eq!(r["extra_data"]["status"], "did not compile", "{r}");
    assert_eq!(test(&r, "written: a1")["status"], "passed");
    assert_eq!(test(&r, "sigmoid")["score"], 0.0);
}

#[test]
fn a_broken_missing_or_linked_answers_file_costs_only_the_written_tests() {
    let root = written_root();
    let code = solution_source("mse2");
    // Malformed: the parse error, on one line, for public cases; the kind only
    // for hidden ones.
    let r = grade_with(root.path(), &code, Some("a1 = = 0.5477\n"));
    assert_eq!(r["score"], 100.0, "{r}");
    let a1 = output(&r, "written: a1");
    assert!(
        a1.contains("the answers file answers.toml is not valid TOML: "),
        "{a1}"
    );
    assert!(
        output(&r, "written: activation").contains("the answers file could not be read"),
        "{r}"
    );
    // Missing.
    let r = grade_with(root.path(), &code, None);
    assert_eq!(r["score"], 100.0, "{r}");
    assert!(
        output(&r, "written: a1").contains("the answers file was not found"),
        "{r}"
    );
    // A link to the golden outputs is never followed.
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("submission");
    std::fs::create_dir_all(sub.join("src")).unwrap();
    std::fs::write(sub.join("src/lib.rs"), &code).unwrap();
    std::os::unix::fs::symlink(
        root.path().join("fixtures/mse2/biased_seed1_n50.json"),
        sub.join("answers.toml"),
    )
    .unwrap();
    let r = grade_upload(root.path(), &sub);
    assert_eq!(r["score"], 100.0, "{r}");
    let a1 = output(&r, "written: a1");
    assert!(a1.contains("answers.toml is a link"), "{a1}");
    assert!(!r.to_string().contains("0.5477412"), "{r}");
}

// ---- How an answer is read for its question: the modular lab as shipped ----

const MODULAR: &str = "modular";

/// `answers` (an answers.toml) with `key = value` written for each edit.
fn with_answers(answers: &str, edits: &[(&str, &str)]) -> String {
    let mut out: Vec<String> = answers.lines().map(String::from).collect();
    for (key, value) in edits {
        let line = out
            .iter_mut()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in the answers file"));
        *line = format!("{key} = {value}");
    }
    out.join("\n") + "\n"
}

/// The value the solution's answers.toml gives `key`, as written there
/// (filled from the fixtures by `grade starter --solution`).
fn solution_value(answers: &str, key: &str) -> String {
    let line = answers
        .lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no {key} in the solution's answers"));
    let value = line[key.len() + 3..].split('#').next().unwrap().trim();
    value.to_string()
}

/// The reference's answer to `key`, from modular's fixture of `case`.
fn expected_answer(case: &str, key: &str) -> f64 {
    fixture(MODULAR, case)["expected"]["written"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is no number in {case}"))
}

/// The modular solution with `answers` as its answers.toml, graded under
/// `root` (the repository when `None`).
fn grade_modular(root: Option<&Path>, answers: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("submission");
    write_submission(MODULAR, &solution_source(MODULAR), &sub);
    std::fs::write(sub.join("answers.toml"), answers).unwrap();
    let results = dir.path().join("results.json");
    let mut cmd = grade_bin();
    if let Some(root) = root {
        cmd.env("GRADE_ROOT", root);
    }
    let out = run(cmd
        .args(["--lab", MODULAR, "--submission"])
        .arg(&sub)
        .arg("--out")
        .arg(&results));
    assert!(out.status.success(), "{}", text(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    check_gradescope_shape(&r);
    r
}

/// A copy of the grader's root in which modular's two written cases trade
/// places: `written` (1.3, 5.6) public, `written_published` (1.4-4.4)
/// hidden, so each question is seen both ways.
fn modular_root_with_written_cases_swapped() -> tempfile::TempDir {
    let root = copy_of_root();
    let path = root.path().join("rubrics/modular.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let public = "[[cases]]\nid = \"written\"\nhidden = true\n";
    let hidden = "[[cases]]\nid = \"written_published\"\n";
    assert!(text.contains(public) && text.contains(hidden));
    let text = text
        .replace(public, "[[cases]]\nid = \"written\"\n")
        .replace(
            hidden,
            "[[cases]]\nid = \"written_published\"\nhidden = true\n",
        );
    std::fs::write(&path, text).unwrap();
    root
}

/// Every test's points, the most a submission can score.
fn most_points(r: &Value) -> f64 {
    r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["max_score"].as_f64().unwrap())
        .sum()
}

/// The points of the tests named.
fn points_of(r: &Value, names: &[&str]) -> f64 {
    names
        .iter()
        .map(|n| test(r, n)["max_score"].as_f64().unwrap())
        .sum()
}

/// The score when exactly `failed` fail, and checks that they are the ones.
fn assert_only_failed(r: &Value, failed: &[&str]) {
    assert_eq!(failed_tests(r), failed, "{r}");
    let want = most_points(r) - points_of(r, failed);
    assert!(
        (r["score"].as_f64().unwrap() - want).abs() < 1e-9,
        "score {} instead of {want}: {r}",
        r["score"]
    );
}

#[test]
fn numbers_written_in_quotes_are_read_as_numbers_and_the_feedback_says_so() {
    // Every number of the solution's answers typed inside the template's ""
    // (the text question stays text): every point, as when written bare.
    let solution = solution_answers(MODULAR).unwrap();
    let quoted: Vec<(String, String)> = solution
        .lines()
        .filter(|l| l.starts_with('q') && !l.contains("= \""))
        .map(|l| {
            let key = l.split(" = ").next().unwrap().to_string();
            let value = solution_value(&solution, &key);
            (key, format!("\"{value}\""))
        })
        .collect();
    assert!(quoted.len() >= 20, "{quoted:?}");
    let mut edits: Vec<(&str, &str)> = quoted
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // Whitespace around and an exponent are the same number: 3.3's 0.001.
    let lr = format!(
        " {:e} ",
        expected_answer("written_published", "q3_3_learning_rate")
    );
    let lr_quoted = format!("\"{lr}\"");
    edits.retain(|(k, _)| *k != "q3_3_learning_rate");
    edits.push(("q3_3_learning_rate", &lr_quoted));
    let answers = with_answers(&solution, &edits);
    for root in [None, Some(modular_root_with_written_cases_swapped())] {
        let r = grade_modular(root.as_ref().map(|r| r.path()), &answers);
        assert_only_failed(&r, &[]);
        // Visible here, hidden in the swapped root (and the reverse for a1).
        let beta10 = solution_value(&solution, "q1_4_beta10");
        let said = |n: &str| {
            format!(
                "read \"{n}\" as the number {}",
                n.trim().parse::<f64>().unwrap()
            )
        };
        let out = output(&r, "1.4(b) beta 1,0");
        assert!(
            out.contains(&format!(
                "q1_4_beta10: {}; next time write it without quotes",
                said(&beta10)
            )),
            "{out}"
        );
        let a1 = solution_value(&solution, "q1_3_a1");
        let out = output(&r, "1.3(a) a1");
        assert!(out.contains(&format!("q1_3_a1: {}", said(&a1))), "{out}");
        let out = output(&r, "3.3 learning rate");
        assert!(out.contains(&said(&lr)), "{out}");
        // Text where text is asked: taken as written, nothing to say.
        let out = output(&r, "3.2 activation");
        assert!(!out.contains("read "), "{out}");
    }
}

#[test]
fn an_answer_of_the_wrong_kind_names_the_kind_asked_never_the_value() {
    let solution = solution_answers(MODULAR).unwrap();
    let answers = with_answers(
        &solution,
        &[
            ("q1_4_beta10", "\"about 2\""),
            ("q1_3_a1", "\"about 2\""),
            ("q1_3_z1", "\"1,5\""),
            ("q4_4_j", "\"3/4\""),
            // A number where text is asked: an integer reads as its digits.
            ("q3_2_activation", "3"),
        ],
    );
    let failed = [
        "1.3(a) a1",
        "1.3(b) z1",
        "1.4(b) beta 1,0",
        "3.2 activation",
        "4.4 convolution J",
    ];
    let swapped = modular_root_with_written_cases_swapped();
    for root in [None, Some(swapped.path())] {
        let r = grade_modular(root, &answers);
        assert_only_failed(&r, &failed);
        for (name, line) in [
            (
                "1.4(b) beta 1,0",
                "q1_4_beta10: expected a number, got text \"about 2\"",
            ),
            (
                "1.3(a) a1",
                "q1_3_a1: expected a number, got text \"about 2\"",
            ),
            ("1.3(b) z1", "q1_3_z1: expected a number, got text \"1,5\""),
            (
                "4.4 convolution J",
                "q4_4_j: expected a number, got text \"3/4\"",
            ),
            (
                "3.2 activation",
                "q3_2_activation: read 3 as the text \"3\"; next time write it in quotes",
            ),
        ] {
            let out = output(&r, name);
            assert!(out.contains(line), "{name}: {out}");
        }
    }
    // Where a question is hidden, its expected value appears nowhere.
    let r = grade_modular(None, &answers);
    for (name, key) in [("1.3(a) a1", "q1_3_a1"), ("1.3(b) z1", "q1_3_z1")] {
        let out = output(&r, name);
        assert!(out.contains("hidden case"), "{out}");
        let x = expected_answer("written", key);
        for shown in [format!("{x}"), format!("{x:.4}")] {
            assert!(!out.contains(&shown), "{name} shows {shown}: {out}");
        }
    }
    let r = grade_modular(Some(swapped.path()), &answers);
    let out = output(&r, "3.2 activation");
    assert!(
        out.contains("hidden case") && out.contains("q3_2_activation: wrong value"),
        "{out}"
    );
    assert!(!out.to_lowercase().contains("tanh"), "{out}");
}

#[test]
fn a_percentage_where_a_fraction_is_asked_fails_with_a_hint_that_keeps_the_value() {
    let solution = solution_answers(MODULAR).unwrap();
    // 5.6's accuracies are fractions (the rubric's unit): 100 times the
    // reference's, and the same written "N%", are percentages.
    let a = expected_answer("written", "q5_6a_test_accuracy");
    let b = expected_answer("written", "q5_6b_test_accuracy");
    let a_pct = format!("{:.2}", a * 100.0);
    let b_pct = format!("\"{:.2}%\"", b * 100.0);
    let answers = with_answers(
        &solution,
        &[
            ("q5_6a_test_accuracy", &a_pct),
            ("q5_6b_test_accuracy", &b_pct),
        ],
    );
    let hint = "hint: this question asks for a fraction between 0 and 1, not a percentage";
    let failed = ["5.6(a) test accuracy", "5.6(b) test accuracy"];
    let swapped = modular_root_with_written_cases_swapped();
    for (root, hidden) in [(None, true), (Some(swapped.path()), false)] {
        let r = grade_modular(root, &answers);
        assert_only_failed(&r, &failed);
        for name in failed {
            let out = output(&r, name);
            assert!(out.contains(hint), "{name}: {out}");
            assert_eq!(out.contains("hidden case"), hidden, "{out}");
            // The hint is the unit's, not a pattern against the expected value.
            assert!(!out.contains("constant factor"), "{out}");
        }
        let out = output(&r, "5.6(b) test accuracy");
        assert!(
            out.contains(&format!(
                "q5_6b_test_accuracy: read {b_pct} as {:.2} per cent",
                b * 100.0
            )),
            "{out}"
        );
        if hidden {
            for (name, x) in [("5.6(a) test accuracy", a), ("5.6(b) test accuracy", b)] {
                let out = output(&r, name);
                for shown in [
                    format!("{x}"),
                    format!("{x:.4}"),
                    format!("{:.2}", x * 100.0),
                ] {
                    if !(name.contains("(b)") && shown == format!("{:.2}", b * 100.0)) {
                        assert!(!out.contains(&shown), "{name} shows {shown}: {out}");
                    }
                }
            }
        } else {
            let out = output(&r, "5.6(a) test accuracy");
            assert!(
                out.contains(&format!("got {a_pct}")),
                "the public case shows the answer compared: {out}"
            );
        }
    }
}

#[test]
fn a_unit_the_expected_answers_break_stops_the_grader_at_load() {
    // 1.4(a)'s β₂,₁ is no fraction: the rubric's promise is checked against
    // the fixture, naming the test.
    let root = copy_of_root();
    let path = root.path().join("rubrics/modular.toml");
    let rubric = std::fs::read_to_string(&path).unwrap();
    let at = "name = \"1.4(a) beta 2,1\"\n";
    assert!(rubric.contains(at));
    std::fs::write(
        &path,
        rubric.replace(at, &format!("{at}unit = \"fraction\"\n")),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("submission");
    write_submission(MODULAR, &solution_source(MODULAR), &sub);
    let out = run(grade_bin()
        .env("GRADE_ROOT", root.path())
        .args(["--lab", MODULAR, "--submission"])
        .arg(&sub)
        .arg("--out")
        .arg(dir.path().join("results.json")));
    assert!(!out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let beta21 = expected_answer("written_published", "q1_4_beta21");
    assert!(
        err.contains(&format!(
            "(1.4(a) beta 2,1).unit: case written_published's expected q1_4_beta21 is {beta21}, \
             not a fraction between 0 and 1"
        )),
        "{err}"
    );
}
