//! `grade batch` and `grade merge`: a good, a broken and a non-compiling
//! submission give three results.json and a consistent gradebook; a second run
//! grades nothing again; shards 1/2 and 2/2 merged equal the unsharded run; a
//! Gradescope export folder is read with its submitters' names.

mod common;

use common::{grade_bin, run, solution_source, text};
use std::fs;
use std::path::{Path, PathBuf};

/// Expected totals come from the mutant table (tests/mutants/cs240.toml):
/// the solution 100, cost without the ½ 85, a file that does not compile 0.
fn class(dir: &Path) -> Vec<(&'static str, f64)> {
    let solution = solution_source("cs240");
    let broken = solution.replacen(
        "0.5 * diff.mapv(|d| d * d).sum()",
        "diff.mapv(|d| d * d).sum()",
        1,
    );
    let uploads = [
        ("alice", solution.clone(), 100.0),
        ("bob", broken, 85.0),
        ("carol", format!("{solution}\nfn oops( {{\n"), 0.0),
    ];
    for (who, source, _) in &uploads {
        fs::create_dir_all(dir.join(who).join("src")).unwrap();
        fs::write(dir.join(who).join("src/lib.rs"), source).unwrap();
    }
    uploads.iter().map(|(w, _, s)| (*w, *s)).collect()
}

fn batch(submissions: &Path, out: &Path, extra: &[&str]) -> String {
    let output = run(grade_bin()
        .args(["batch", "--lab", "cs240", "--jobs", "2", "--submissions"])
        .arg(submissions)
        .arg("--out")
        .arg(out)
        .args(extra));
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn gradebook(out: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(out.join("gradebook.csv")).unwrap();
    let mut rows = vec![reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect()];
    for record in reader.records() {
        rows.push(record.unwrap().iter().map(str::to_string).collect());
    }
    rows
}

#[test]
fn a_class_is_graded_once_and_resumed_and_shards_merge_to_the_same_gradebook() {
    let work = tempfile::tempdir().unwrap();
    let submissions = work.path().join("submissions");
    let expected = class(&submissions);
    let out = work.path().join("out");

    let first = batch(&submissions, &out, &[]);
    assert!(
        first.contains("3 graded, 0 unchanged, 0 grader failures"),
        "{first}"
    );
    for (who, score) in &expected {
        let results: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join(who).join("results.json")).unwrap())
                .unwrap();
        common::check_gradescope_shape(&results);
        assert_eq!(results["score"], *score, "{who}: {results}");
    }

    // The gradebook: a header, one row per student, tests adding up to the total.
    let book = gradebook(&out);
    assert_eq!(book[0][..3], ["student", "name", "total"]);
    assert_eq!(
        book[0].len(),
        3 + 8,
        "one column per rubric test: {:?}",
        book[0]
    );
    assert_eq!(book.len(), 4);
    for (row, (who, score)) in book[1..].iter().zip(&expected) {
        assert_eq!(row[0], *who);
        assert_eq!(row[2].parse::<f64>().unwrap(), *score);
        let sum: f64 = row[3..]
            .iter()
            .map(|c| c.parse::<f64>().unwrap_or(0.0))
            .sum();
        assert!((sum - score).abs() < 1e-9, "{row:?}");
    }
    let summary = fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("3 submissions · mean 61.67 · median 85"),
        "{summary}"
    );
    assert!(
        summary.contains("| cost | 1/3 (33%) | value: expected"),
        "{summary}"
    );
    let svg = fs::read_to_string(out.join("histogram.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("histogram.svg is well-formed XML");
    let bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#4e79a7"))
        .count();
    assert_eq!(bars, 10, "ten score bins");

    // Nothing changed: nothing is graded again.
    let second = batch(&submissions, &out, &[]);
    assert!(second.contains("0 graded, 3 unchanged"), "{second}");
    assert_eq!(gradebook(&out), book);
    // One upload changed: only it is graded.
    fs::write(submissions.join("bob/src/lib.rs"), solution_source("cs240")).unwrap();
    let third = batch(&submissions, &out, &[]);
    assert!(third.contains("1 graded, 2 unchanged"), "{third}");
    let book = gradebook(&out);
    assert_eq!(book[2][2], "100");

    // Shards 1/2 and 2/2, merged, give the unsharded gradebook.
    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| work.path().join(format!("shard{i}")))
        .collect();
    for (i, dir) in shards.iter().enumerate() {
        batch(&submissions, dir, &["--shard", &format!("{}/2", i + 1)]);
    }
    let counts: Vec<usize> = shards.iter().map(|d| gradebook(d).len() - 1).collect();
    assert_eq!(
        counts,
        vec![2, 1],
        "deterministic split of the sorted students"
    );
    let merged = work.path().join("merged");
    let out_merge = run(grade_bin()
        .arg("merge")
        .arg("--out")
        .arg(&merged)
        .args(&shards));
    assert!(out_merge.status.success(), "{}", text(&out_merge));
    assert_eq!(gradebook(&merged), book);
}

#[test]
fn a_gradescope_export_is_read_with_submitter_names() {
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export");
    let dir = export.join("submission_101");
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("src/lib.rs"), solution_source("cs240")).unwrap();
    fs::write(
        export.join("submission_metadata.yml"),
        "---\nsubmission_101:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '7'\n    :email: ada@example.edu\n  :created_at: 2026-11-20 10:00:00 -0800\n",
    )
    .unwrap();
    let out = work.path().join("out");
    batch(&export, &out, &[]);
    let book = gradebook(&out);
    assert_eq!(book.len(), 2, "the yml file is not a student: {book:?}");
    assert_eq!(book[1][..3], ["submission_101", "Ada Lovelace", "100"]);
}

#[test]
fn bad_shards_are_refused() {
    let out = run(grade_bin().args([
        "batch",
        "--submissions",
        ".",
        "--out",
        "x",
        "--shard",
        "3/2",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 <= I <= N"));
}
