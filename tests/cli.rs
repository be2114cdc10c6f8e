//! The command line's contracts that are not about one score: fixture
//! freshness, refusal of broken rubrics, and ambiguous submissions.

mod common;

use common::{copy_of_root, grade_bin, run, solution_source, text};
use std::fs;
use std::path::{Path, PathBuf};

fn fixtures_check(root: &Path) -> std::process::Output {
    run(grade_bin()
        .env("GRADE_ROOT", root)
        .args(["fixtures", "--check", "--lab", "cs240"]))
}

#[test]
fn committed_fixtures_are_current() {
    let out = run(grade_bin().args(["fixtures", "--check"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn fixtures_check_names_a_changed_fixture_and_fails() {
    let root = copy_of_root();
    assert_eq!(fixtures_check(root.path()).status.code(), Some(0));

    let file = root.path().join("fixtures/cs240/small_3_5_2.json");
    let original = fs::read_to_string(&file).unwrap();
    // Change the last digit of the first expected number after "expected".
    let at = original.find("\"expected\"").unwrap();
    let digit = at + original[at..].find(|c: char| c.is_ascii_digit()).unwrap();
    let mut tampered = original.clone();
    let new_digit = if &original[digit..=digit] == "1" {
        "2"
    } else {
        "1"
    };
    tampered.replace_range(digit..=digit, new_digit);
    fs::write(&file, tampered).unwrap();

    let out = fixtures_check(root.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("small_3_5_2.json"), "{}", text(&out));
    assert!(
        err.contains("grade fixtures"),
        "fix hint missing: {}",
        text(&out)
    );
}

#[test]
fn fixtures_check_names_a_missing_fixture_and_fails() {
    let root = copy_of_root();
    fs::remove_file(root.path().join("fixtures/cs240/deep_6_7_5_4_3.json")).unwrap();
    let out = fixtures_check(root.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("deep_6_7_5_4_3.json"),
        "{}",
        text(&out)
    );
}

fn grade_solution_with_root(root: &Path) -> (std::process::Output, PathBuf, tempfile::TempDir) {
    let work = tempfile::tempdir().unwrap();
    let sub = work.path().join("submission/src");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("lib.rs"), solution_source("cs240")).unwrap();
    let results = work.path().join("results.json");
    let out = run(grade_bin()
        .env("GRADE_ROOT", root)
        .args(["--lab", "cs240", "--submission"])
        .arg(work.path().join("submission"))
        .arg("--out")
        .arg(&results));
    (out, results, work)
}

fn break_rubric(root: &Path, from: &str, to: &str) {
    let path = root.join("rubrics/cs240.toml");
    let rubric = fs::read_to_string(&path).unwrap();
    assert!(rubric.contains(from), "rubric has no {from:?}");
    fs::write(&path, rubric.replacen(from, to, 1)).unwrap();
}

/// A broken rubric is the grader's failure: exit 2, a message naming the file
/// and the key, and still a valid results.json telling the student it is not
/// their fault.
fn assert_rubric_refused(root: &Path, key: &str) {
    let (out, results, _work) = grade_solution_with_root(root);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cs240.toml"), "file not named: {}", text(&out));
    assert!(err.contains(key), "key {key} not named: {}", text(&out));
    assert_eq!(
        err.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "{}",
        text(&out)
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(results).unwrap()).unwrap();
    assert_eq!(json["score"], 0.0);
    assert!(json["output"].as_str().unwrap().contains("not your fault"));
}

#[test]
fn a_misspelled_rubric_key_is_refused_with_file_and_key() {
    let root = copy_of_root();
    break_rubric(root.path(), "points = 5", "pionts = 5");
    assert_rubric_refused(root.path(), "pionts");
}

#[test]
fn rubric_points_that_do_not_add_up_are_refused() {
    let root = copy_of_root();
    break_rubric(root.path(), "points = 35", "points = 36");
    assert_rubric_refused(root.path(), "total_points");
}

#[test]
fn a_rubric_naming_an_unknown_case_is_refused() {
    let root = copy_of_root();
    // The tests' `cases` lists still name the old id, which no case has now.
    break_rubric(root.path(), "id = \"small_3_5_2\"", "id = \"no_such_case\"");
    assert_rubric_refused(
        root.path(),
        "\"small_3_5_2\" is not one of the rubric's [[cases]]",
    );
}

#[test]
fn two_candidate_files_are_an_error_naming_both() {
    let work = tempfile::tempdir().unwrap();
    let source = solution_source("cs240");
    for crate_dir in ["first/src", "second/src"] {
        let dir = work.path().join("submission").join(crate_dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("lib.rs"), &source).unwrap();
    }
    let results = work.path().join("results.json");
    let out = run(grade_bin()
        .args(["--lab", "cs240", "--submission"])
        .arg(work.path().join("submission"))
        .arg("--out")
        .arg(&results));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&results).unwrap()).unwrap();
    let output = json["output"].as_str().unwrap();
    assert!(
        output.contains("first/src/lib.rs") && output.contains("second/src/lib.rs"),
        "{output}\n{}",
        text(&out)
    );
    assert_eq!(json["score"], 0.0);
}

fn grade_example(extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let work = tempfile::tempdir().unwrap();
    let results = work.path().join("results.json");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cs240-partial");
    let out = run(grade_bin()
        .args(["--lab", "cs240", "--submission"])
        .arg(&example)
        .arg("--out")
        .arg(&results)
        .args(extra));
    let json = serde_json::from_str(&fs::read_to_string(&results).unwrap()).unwrap();
    (out, json)
}

#[test]
fn exit_codes_graded_below_min_score_and_could_not_grade() {
    // The bundled example scores 77.5 (README).
    let (out, json) = grade_example(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json["score"], 77.5);
    let (out, _) = grade_example(&["--min-score", "77.5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (out, json) = grade_example(&["--min-score", "80"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(json["score"], 77.5, "results.json is still written");
    assert!(String::from_utf8_lossy(&out.stderr).contains("below --min-score 80"));

    let out = run(grade_bin().args(["--lab", "cs240"]));
    assert_eq!(out.status.code(), Some(2), "no submission: {}", text(&out));
    let work = tempfile::tempdir().unwrap();
    let results = work.path().join("results.json");
    let out = run(grade_bin()
        .args(["--lab", "no_such_lab", "--submission", "."])
        .arg("--out")
        .arg(&results));
    assert_eq!(out.status.code(), Some(2), "unknown lab: {}", text(&out));
    assert!(results.is_file(), "results.json is written even then");
}

#[test]
fn starter_with_ci_writes_github_and_gitlab_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let handout = dir.path().join("handout");
    let out = run(grade_bin()
        .args(["starter", "--lab", "cs240", "--with-ci", "--ci-install"])
        .arg("cargo install --locked --git https://git.example.edu/cs240/grade --tag v0.1.0 grade --no-default-features --features student")
        .arg("--out")
        .arg(&handout));
    assert!(out.status.success(), "{}", text(&out));
    let github = fs::read_to_string(handout.join(".github/workflows/grade.yml")).unwrap();
    let gitlab = fs::read_to_string(handout.join(".gitlab-ci.yml")).unwrap();
    for text in [&github, &gitlab] {
        assert!(text.contains("grade --lab cs240 --submission ."), "{text}");
        assert!(text.contains("--features student"), "{text}");
        assert!(
            !text.contains("@LAB@") && !text.contains("@INSTALL@"),
            "unfilled: {text}"
        );
        assert!(!text.contains('\t'), "tabs are not YAML: {text}");
    }
    assert!(github.contains("--format github"));
    assert!(gitlab.contains("junit: grade-junit.xml"));
    // Without --with-ci, no workflow.
    let plain = dir.path().join("plain");
    run(grade_bin()
        .args(["starter", "--lab", "cs240", "--out"])
        .arg(&plain));
    assert!(!plain.join(".github").exists());
}

#[test]
fn the_readme_first_command_grades_the_bundled_example() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release -- "))
        .expect("README shows the grading command");
    let args: Vec<&str> = line["cargo run --release -- ".len()..]
        .split_whitespace()
        .collect();
    let work = tempfile::tempdir().unwrap();
    let out = run(grade_bin()
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--out")
        .arg(work.path().join("results.json")));
    assert_eq!(out.status.code(), Some(0), "{line}: {}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("77.50 / 100"),
        "{}",
        text(&out)
    );
    // Without --lab too: the example is a handout crate, recognised by its Cargo.toml.
    let out = run(grade_bin()
        .args(["--submission", "examples/cs240-partial", "--out"])
        .arg(work.path().join("again.json"))
        .current_dir(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_rubric_leaderboard_reports_the_students_own_value() {
    let root = copy_of_root();
    let rubric = root.path().join("rubrics/cs240.toml");
    let mut toml_text = fs::read_to_string(&rubric).unwrap();
    toml_text.push_str(
        "\n[[leaderboard]]\nname = \"final training cost\"\nitem = \"mini_batch_gd\"\n\
         case = \"small_3_5_2\"\noutput = \"cost_history\"\norder = \"asc\"\n",
    );
    fs::write(&rubric, toml_text).unwrap();
    let (out, results, _work) = grade_solution_with_root(root.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(results).unwrap()).unwrap();
    // The solution's value is the reference's: the fixture's last cost.
    let fixture: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.path().join("fixtures/cs240/small_3_5_2.json")).unwrap(),
    )
    .unwrap();
    let last = fixture["expected"]["mini_batch_gd"]["cost_history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_f64()
        .unwrap();
    let column = json["leaderboard"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "final training cost")
        .unwrap_or_else(|| panic!("no column: {json}"));
    assert_eq!(
        column,
        &serde_json::json!({"name": "final training cost", "value": last, "order": "asc"})
    );
}

#[test]
fn a_leaderboard_on_a_hidden_case_is_refused() {
    let root = copy_of_root();
    let rubric = root.path().join("rubrics/cs240.toml");
    let mut text = fs::read_to_string(&rubric).unwrap();
    text.push_str(
        "\n[[leaderboard]]\nname = \"x\"\nitem = \"cost\"\ncase = \"deep_6_7_5_4_3\"\noutput = \"value\"\n",
    );
    fs::write(&rubric, text).unwrap();
    // The shipped rubric's own column (the tuning run's accuracy) is [0].
    assert_rubric_refused(root.path(), "leaderboard[1]");
}

#[test]
fn readme_batch_command_grades_the_bundled_examples_as_a_class() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("grade batch --lab cs240 --submissions examples "))
        .expect("README shows the batch command over the bundled examples");
    let work = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = line["grade ".len()..]
        .split_whitespace()
        .map(String::from)
        .collect();
    // Run from the repository, as written, but write into a scratch folder.
    let out_at = args.iter().position(|a| a == "--out").unwrap() + 1;
    args[out_at] = work.path().join("grades").display().to_string();
    let out = run(grade_bin()
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(out.status.code(), Some(0), "{line}: {}", text(&out));

    let csv = fs::read_to_string(work.path().join("grades/gradebook.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    let row = |student: &str| {
        rows.iter()
            .find(|r| &r[column("student")] == student)
            .unwrap_or_else(|| panic!("no row for {student}: {csv}"))
    };
    assert_eq!(&row("cs240-partial")[column("total")], "77.5", "{csv}");
    assert_eq!(&row("cs240-partial")[column("status")], "graded", "{csv}");
    assert_eq!(&row("cs240-not-compiling")[column("total")], "0", "{csv}");
    assert_eq!(
        &row("cs240-not-compiling")[column("status")],
        "did not compile",
        "{csv}"
    );
    // A folder per student: the folder is the name.
    assert_eq!(
        &row("cs240-partial")[column("name")],
        "cs240-partial",
        "{csv}"
    );
    let results: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(work.path().join("grades/cs240-partial/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(results["extra_data"]["build"], "full", "{results}");
}

/// What a student sees first: `cargo build` in a fresh handout, written
/// inside this repository's workspace (its own `[workspace]` makes that
/// work), finishes without a single warning.
#[test]
fn every_handout_builds_without_warnings_even_inside_the_workspace() {
    let inside = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("handout-target");
    let out = run(grade_bin().arg("labs"));
    let labs = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(labs.lines().count() >= 3, "{labs}");
    for lab in labs.lines() {
        let handout = inside.path().join(lab);
        let out = run(grade_bin()
            .args(["starter", "--lab", lab, "--out"])
            .arg(&handout));
        assert!(out.status.success(), "{}", text(&out));
        let build = run(std::process::Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--all-targets"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&handout));
        assert!(build.status.success(), "{lab}: {}", text(&build));
        let stderr = String::from_utf8_lossy(&build.stderr);
        assert!(
            !stderr.contains("warning"),
            "{lab}'s handout warns:\n{stderr}"
        );
    }
}
