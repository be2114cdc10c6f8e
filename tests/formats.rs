//! CI output through the binary: `--format github` (annotations on stdout, a
//! Markdown table appended to $GITHUB_STEP_SUMMARY) and `--junit FILE`,
//! parsed back with an XML parser. Expected counts come from the bundled
//! example's known result (77.5: cost, forward_pass and mini_batch_GD fail).

mod common;

use common::{grade_bin, run, solution_source, text};
use std::fs;
use std::path::Path;

fn grade_with_formats(upload: &Path, work: &Path) -> (String, String, String) {
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
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        fs::read_to_string(&summary).unwrap_or_default(),
        fs::read_to_string(&junit).unwrap(),
    )
}

#[test]
fn github_annotations_summary_and_junit_for_a_partial_submission() {
    let work = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cs240-partial");
    let (stdout, summary, junit) = grade_with_formats(&example, work.path());

    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 3, "{stdout}");
    for (number, name) in [("3", "cost"), ("5", "forward_pass"), ("6", "mini_batch_GD")] {
        assert!(
            errors.iter().any(|l| l.starts_with(&format!("::error file=src/lib.rs,title={number} {name} ("))),
            "no annotation for {name}: {stdout}"
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
    assert_eq!(rows, 8, "one row per test: {summary}");
    assert_eq!(summary.matches("❌").count(), 3, "{summary}");

    let doc = roxmltree::Document::parse(&junit).expect("JUnit is XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 8);
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(failures, 3);
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("8"));
    assert_eq!(suite.attribute("failures"), Some("3"));
    let points: f64 = cases
        .iter()
        .flat_map(|c| c.descendants())
        .filter(|p| p.has_tag_name("property") && p.attribute("name") == Some("score"))
        .map(|p| p.attribute("value").unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(points, 77.5);
}

#[test]
fn a_compile_error_is_annotated_at_its_line() {
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
    let (stdout, _, junit) = grade_with_formats(&work.path().join("upload"), work.path());
    assert!(
        stdout.contains(&format!("::error file=src/lib.rs,line={line},")),
        "no annotation at line {line}: {stdout}"
    );
    let doc = roxmltree::Document::parse(&junit).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        8
    );
}
