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
