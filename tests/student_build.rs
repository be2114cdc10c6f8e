//! The student build (`--no-default-features --features student`): it grades
//! a handout with the public cases alone, and carries no answers. Built once
//! here into its own target folder (about a minute and a half on 2 cores).

mod common;

use common::{grade_bin, run, student_binary, text};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn student(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(student_binary())
        .args(args)
        .current_dir(cwd)
        .env_remove("GRADE_ROOT")
        .env(
            "GRADE_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("student-cache"),
        )
        .output()
        .unwrap()
}

/// Every expected number of the given cases, as the fixture files write them
/// (serde_json's shortest round-trip form), long enough not to match by chance.
fn expected_numbers(hidden: bool) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rubric: toml::Table = std::fs::read_to_string(root.join("rubrics/cs240.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut numbers = Vec::new();
    for case in rubric["cases"].as_array().unwrap() {
        let is_hidden = case
            .get("hidden")
            .and_then(|h| h.as_bool())
            .unwrap_or(false);
        if is_hidden != hidden {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        let fixture: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("fixtures/cs240/{id}.json"))).unwrap(),
        )
        .unwrap();
        collect(&fixture["expected"], &mut numbers);
    }
    numbers.retain(|n| n.len() >= 14);
    numbers.sort();
    numbers.dedup();
    numbers
}

fn collect(v: &Value, into: &mut Vec<String>) {
    match v {
        Value::Number(n) => into.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|i| collect(i, into)),
        Value::Object(map) => map.values().for_each(|i| collect(i, into)),
        _ => {}
    }
}

/// Every run of number characters in the binary: one pass, then lookups.
fn number_tokens(binary: &[u8]) -> std::collections::HashSet<&str> {
    binary
        .split(|b| !(b.is_ascii_digit() || b".eE+-".contains(b)))
        .filter(|t| t.len() >= 14)
        .filter_map(|t| std::str::from_utf8(t).ok())
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_student_binary_carries_no_hidden_expected_values_and_no_solution() {
    let binary = std::fs::read(student_binary()).unwrap();
    let public = expected_numbers(false);
    // Values a hidden case shares with a public one (sigmoid(30), say) are no secret.
    let hidden: Vec<String> = expected_numbers(true)
        .into_iter()
        .filter(|n| !public.contains(n))
        .collect();
    let tokens = number_tokens(&binary);
    assert!(
        hidden.len() > 50 && public.len() > 50,
        "too few numbers to check"
    );
    // The scan can find numbers: the public fixtures are in there.
    let public_found = public
        .iter()
        .take(200)
        .filter(|n| tokens.contains(n.as_str()))
        .count();
    assert!(
        public_found > 100,
        "only {public_found} public numbers found: is the scan broken?"
    );
    let leaked: Vec<&String> = hidden
        .iter()
        .filter(|n| tokens.contains(n.as_str()))
        .collect();
    assert!(
        leaked.is_empty(),
        "hidden expected values in the student binary: {leaked:?}"
    );
    // Neither the solution's source nor the reference's code for hidden cases.
    // The full build has the reference's hidden case ids compiled in; the
    // student build must not.
    let full = std::fs::read(env!("CARGO_BIN_EXE_grade")).unwrap();
    assert!(
        contains(&full, "deep_6_7_5_4_3"),
        "the check would not see a leak"
    );
    for answer in ["deep_6_7_5_4_3", "deep_5_4_4_4_4_2", "0.5 * diff.mapv"] {
        assert!(
            !contains(&binary, answer),
            "{answer:?} is in the student binary"
        );
    }
}

#[test]
fn the_student_binary_grades_a_handout_and_the_solution_on_public_cases() {
    let work = tempfile::tempdir().unwrap();
    let handout = work.path().join("handout");
    let out = student(
        &[
            "starter",
            "--lab",
            "cs240",
            "--out",
            handout.to_str().unwrap(),
        ],
        work.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    // From inside the handout, as a student runs it: `grade --submission .`
    let out = student(
        &["--submission", ".", "--out", "../untouched.json"],
        &handout,
    );
    assert!(out.status.success(), "{}", text(&out));
    let untouched: Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("untouched.json")).unwrap())
            .unwrap();
    common::check_gradescope_shape(&untouched);
    assert_eq!(untouched["score"], 0.0);

    // The full build's solution, dropped into the handout: full marks.
    let full = work.path().join("solution");
    let out = run(grade_bin()
        .args(["starter", "--lab", "cs240", "--solution", "--out"])
        .arg(&full));
    assert!(out.status.success(), "{}", text(&out));
    std::fs::copy(full.join("src/lib.rs"), handout.join("src/lib.rs")).unwrap();
    let out = student(&["--submission", ".", "--out", "../solved.json"], &handout);
    assert!(out.status.success(), "{}", text(&out));
    let solved: Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("solved.json")).unwrap())
            .unwrap();
    assert_eq!(solved["score"], 100.0, "{solved}");
    assert_eq!(solved["extra_data"]["build"], "student", "{solved}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("student build: public cases only"),
        "{}",
        text(&out)
    );
    assert!(
        solved["output"]
            .as_str()
            .unwrap()
            .contains("2 cases per test"),
        "graded on the public cases only: {solved}"
    );
}

#[test]
fn the_student_build_says_what_it_is_and_refuses_staff_commands() {
    let work = tempfile::tempdir().unwrap();
    let version = student(&["--version"], work.path());
    assert!(version.status.success(), "{}", text(&version));
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("student build"),
        "{}",
        text(&version)
    );
    let full = run(grade_bin().arg("--version"));
    assert!(
        String::from_utf8_lossy(&full.stdout).contains("full build"),
        "{}",
        text(&full)
    );

    let class = work.path().join("class");
    std::fs::create_dir_all(class.join("ada")).unwrap();
    for (what, args) in [
        ("fixtures", vec!["fixtures", "--lab", "cs240"]),
        (
            "batch",
            vec![
                "batch",
                "--lab",
                "cs240",
                "--submissions",
                "class",
                "--out",
                "grades",
            ],
        ),
        (
            "similar",
            vec![
                "similar",
                "--lab",
                "cs240",
                "--submissions",
                "class",
                "--out",
                "similar",
            ],
        ),
        (
            "package",
            vec!["package", "--lab", "cs240", "--out", "a.zip"],
        ),
        (
            "starter --solution",
            vec!["starter", "--lab", "cs240", "--solution", "--out", "solved"],
        ),
    ] {
        let out = student(&args, work.path());
        assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("`grade {what}` needs the full grader"))
                && err.contains("student build"),
            "{what}: {}",
            text(&out)
        );
    }
    for never in ["grades", "similar", "a.zip", "solved"] {
        assert!(!work.path().join(never).exists(), "{never} was written");
    }
    // Nor does it carry the similarity or class-report code.
    let binary = std::fs::read(common::student_binary()).unwrap();
    for absent in [&b"is too long to compare"[..], b"Content-Security-Policy"] {
        assert!(
            !binary.windows(absent.len()).any(|w| w == absent),
            "{} is in the student build",
            String::from_utf8_lossy(absent)
        );
    }
}
