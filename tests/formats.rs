//! CI output through the binary: `--format github` (annotations on stdout, a
//! Markdown table appended to $GITHUB_STEP_SUMMARY) and `--junit FILE`,
//! parsed back with an XML parser, and the terminal table printed before them.
//! Expected counts come from the bundled example's known result (77.5: cost,
//! forward_pass and mini_batch_GD fail); its lines come from its source
//! (examples/cs240-partial/src/lib.rs: an index out of bounds on line 34, the
//! todo!() on line 76).

mod common;

use common::{grade_bin, run, solution_source, text};
use std::fs;
use std::path::Path;

/// The table, the annotations, the step summary and the JUnit XML.
fn grade_with_formats(upload: &Path, work: &Path) -> (String, String, String, String) {
    let summary = work.join("summary.md");
    let junit = work.join("junit.xml");
    let out = run(grade_bin()
        .args(["--lab", "cs240", "--format", "github", "--submission"])
        .arg(upload)
        .arg("--out")
        .arg(work.join("results.json"))
        .arg("--junit")
        .arg(&junit)
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let (table, annotations) = stdout
        .split_once("results written to ")
        .unwrap_or_else(|| panic!("no results line: {stdout}"));
    (
        table.to_string(),
        annotations.to_string(),
        fs::read_to_string(&summary).unwrap_or_default(),
        fs::read_to_string(&junit).unwrap(),
    )
}

/// `text` with every run of whitespace made one space (undoes wrapping).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn github_annotations_summary_and_junit_for_a_partial_submission() {
    let work = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cs240-partial");
    let (table, stdout, summary, junit) = grade_with_formats(&example, work.path());

    // The terminal table shows each failure whole, the got value and the
    // panic's place included, and says where the rest is.
    let shown = flat(&table);
    for whole in [
        "✗ case lab_784_8_8_10 (the lab's network [784, 8, 8, 10]): value: expected \
         2.428414917818207, got 4.856829835636414",
        "panicked: index out of bounds: the len is 2 but the index is 2 at src/lib.rs:34",
        "not implemented yet (todo!() reached at src/lib.rs:76)",
        "results.json has every case's full feedback",
    ] {
        assert!(shown.contains(whole), "{whole:?} not in:\n{table}");
    }
    assert!(!table.contains('…'), "{table}");
    assert!(table.contains("77.50 / 100"), "{table}");

    // Each failed test at the line of the student's file its feedback names:
    // cost's first failure has no place, but its panicking case does (34).
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 3, "{stdout}");
    for (number, name, line) in [
        ("3", "cost", 34),
        ("5", "forward_pass", 34),
        ("6", "mini_batch_GD", 76),
    ] {
        assert!(
            errors.iter().any(|l| l.starts_with(&format!(
                "::error file=src/lib.rs,line={line},title={number} {name} ("
            ))),
            "no annotation for {name} at line {line}: {stdout}"
        );
    }
    assert!(
        stdout.contains("::notice title=grade::Score 77.5 / 100"),
        "{stdout}"
    );

    // One table row per rubric test, appended to the step summary.
    let rows = summary
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
        .count();
    assert!(summary.contains("77.5 / 100"), "{summary}");
    assert_eq!(rows, 9, "one row per test: {summary}");
    assert_eq!(summary.matches("❌").count(), 3, "{summary}");
    // The ungraded tuning run did not start (its tests fail): no cross.
    assert_eq!(summary.matches("➖").count(), 1, "{summary}");

    let doc = roxmltree::Document::parse(&junit).expect("JUnit is XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 9);
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(failures, 3);
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("9"));
    assert_eq!(suite.attribute("failures"), Some("3"));
    assert_eq!(
        suite.attribute("skipped"),
        Some("1"),
        "the tuning run: {junit}"
    );
    let points: f64 = cases
        .iter()
        .flat_map(|c| c.descendants())
        .filter(|p| p.has_tag_name("property") && p.attribute("name") == Some("score"))
        .map(|p| p.attribute("value").unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(points, 77.5);
}

#[test]
fn a_compile_error_is_annotated_at_its_line_and_told_once() {
    let work = tempfile::tempdir().unwrap();
    let upload = work.path().join("upload/src");
    fs::create_dir_all(&upload).unwrap();
    let solution = solution_source("cs240");
    let line = solution.lines().count() + 2;
    fs::write(
        upload.join("lib.rs"),
        format!("{solution}\npub fn broken() -> u32 {{ \"text\" }}\n"),
    )
    .unwrap();
    let (table, stdout, summary, junit) =
        grade_with_formats(&work.path().join("upload"), work.path());
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert!(
        errors[0].starts_with(&format!("::error file=src/lib.rs,line={line},")),
        "no annotation at line {line}: {stdout}"
    );
    // The error at its line, then one "not graded" for the whole submission:
    // no annotation per test, no dangling "The compiler says:".
    assert_eq!(errors.len(), 2, "{stdout}");
    assert!(
        errors[1].starts_with(
            "::error file=src/lib.rs,title=not graded (0/100)::Your src/lib.rs does not \
             compile, so nothing could be graded."
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("The compiler says"), "{stdout}");
    assert_eq!(stdout.matches("mismatched types").count(), 1, "{stdout}");
    // The table, the step summary and JUnit carry the compiler's text once.
    assert_eq!(table.matches("The compiler says:").count(), 1, "{table}");
    assert_eq!(table.matches("mismatched types").count(), 1, "{table}");
    assert_eq!(summary.matches("mismatched types").count(), 1, "{summary}");
    assert_eq!(junit.matches("mismatched types").count(), 1, "{junit}");
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        cases.len(),
        1 + 9,
        "the compile case, then the rubric's tests (8 graded, the tuning run)"
    );
    assert_eq!(cases[0].attribute("name"), Some("compile"));
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        9
    );
}
