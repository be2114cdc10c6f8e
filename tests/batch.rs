//! `grade batch` and `grade merge`: a good, a broken, a non-compiling and an
//! empty submission give four results.json and a consistent gradebook (with each
//! student's status and folder name); a second run grades nothing again; shards
//! 1/2 and 2/2 merged equal the unsharded run; a Gradescope export folder is
//! read with its submitters' names.

mod common;

use common::{grade_bin, run, solution_source, text};
use std::fs;
use std::path::{Path, PathBuf};

/// Expected totals come from the mutant table (tests/mutants/cs240.toml):
/// the solution 100, cost without the ½ with the step divided by the data's
/// length 85 (cost 5 and mini_batch_GD 10 fail each on its own bug, as
/// written or under isolated credit), a file that does not compile 0,
/// an upload without a lib.rs 0; with the status each is graded with.
fn class(dir: &Path) -> Vec<(&'static str, f64, &'static str)> {
    let solution = solution_source("cs240");
    let broken = solution
        .replacen(
            "0.5 * diff.mapv(|d| d * d).sum()",
            "diff.mapv(|d| d * d).sum()",
            1,
        )
        .replacen(
            "let step = eta / batch.len() as f64;",
            "let step = eta / training_data.len() as f64;",
            1,
        );
    let uploads = [
        ("alice", solution.clone(), 100.0, "graded"),
        ("bob", broken, 85.0, "graded"),
        (
            "carol",
            format!("{solution}\nfn oops( {{\n"),
            0.0,
            "did not compile",
        ),
    ];
    for (who, source, _, _) in &uploads {
        fs::create_dir_all(dir.join(who).join("src")).unwrap();
        fs::write(dir.join(who).join("src/lib.rs"), source).unwrap();
    }
    // dave uploaded his notes instead of his code.
    fs::create_dir_all(dir.join("dave")).unwrap();
    fs::write(dir.join("dave/notes.md"), "sigmoid is 1/(1+e^-z)\n").unwrap();
    let mut class: Vec<_> = uploads.iter().map(|(w, _, s, st)| (*w, *s, *st)).collect();
    class.push(("dave", 0.0, "no file found"));
    class
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
        first.contains("4 graded, 0 unchanged, 0 grader failures"),
        "{first}"
    );
    for (who, score, status) in &expected {
        let results: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join(who).join("results.json")).unwrap())
                .unwrap();
        common::check_gradescope_shape(&results);
        assert_eq!(results["score"], *score, "{who}: {results}");
        assert_eq!(results["extra_data"]["status"], *status, "{who}: {results}");
    }

    // The gradebook: a header, one row per student named after its folder,
    // its status, tests adding up to the total.
    let book = gradebook(&out);
    assert_eq!(book[0][..4], ["student", "name", "total", "status"]);
    // One column per rubric test (8 graded, the tuning run), then the
    // leaderboard's: alice's solution trained and posted its accuracy.
    let tests = 9;
    assert_eq!(
        book[0][4 + tests..],
        ["leaderboard: Accuracy (%)"],
        "{:?}",
        book[0]
    );
    assert_eq!(book.len(), 5);
    let accuracy: Vec<&str> = book[1..].iter().map(|r| r[4 + tests].as_str()).collect();
    assert!(accuracy[0].parse::<f64>().unwrap() > 92.0, "{accuracy:?}");
    assert_eq!(accuracy[1..], ["", "", ""], "no run, nothing posted");
    for (row, (who, score, status)) in book[1..].iter().zip(&expected) {
        assert_eq!(row[..2], [*who, *who]);
        assert_eq!(row[2].parse::<f64>().unwrap(), *score);
        assert_eq!(row[3], *status);
        let sum: f64 = row[4..4 + tests]
            .iter()
            .map(|c| c.parse::<f64>().unwrap_or(0.0))
            .sum();
        assert!((sum - score).abs() < 1e-9, "{row:?}");
    }
    let summary = fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("4 submissions · mean 46.25 · median 42.5"),
        "{summary}"
    );
    assert!(
        summary.contains("| cost | 1/4 (25%) | value: expected"),
        "{summary}"
    );
    // The submissions that were not graded, each with its status and why.
    let not_graded = summary
        .split("## Not graded")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_else(|| panic!("no Not graded section: {summary}"));
    assert!(
        not_graded.contains("2 of 4 submissions could not be graded"),
        "{not_graded}"
    );
    let listed: Vec<&str> = not_graded
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| student") && !l.starts_with("| ---"))
        .collect();
    assert_eq!(listed.len(), 2, "{not_graded}");
    assert!(
        listed[0].starts_with("| carol | carol | did not compile | error"),
        "{not_graded}"
    );
    assert!(
        listed[0].contains("src/lib.rs:"),
        "the error's place: {not_graded}"
    );
    assert!(
        listed[1].starts_with("| dave | dave | no file found | no lib.rs found in the submission"),
        "{not_graded}"
    );
    // Full marks are a bin of their own.
    assert!(summary.contains("| 90 to under 100 | 0 |"), "{summary}");
    assert!(summary.contains("| 100 (full marks) | 1 |"), "{summary}");
    let svg = fs::read_to_string(out.join("histogram.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("histogram.svg is well-formed XML");
    let bars: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bin"))
        .map(|n| n.attribute("height").unwrap().parse().unwrap())
        .collect();
    assert_eq!(bars.len(), 11, "ten score bins and full marks");
    // carol and dave (0), bob (85), alice (100).
    assert!(bars[0] > 0.0 && bars[8] > 0.0 && bars[10] > 0.0, "{bars:?}");
    assert_eq!(bars[9], 0.0, "100 is not in 90–100: {bars:?}");
    assert!((bars[0] / bars[10] - 2.0).abs() < 0.01, "{bars:?}");
    // A y axis with counts 0, 1, 2 (two students in the tallest bin).
    let ticks: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("y-tick"))
        .filter_map(|g| g.descendants().find(|n| n.has_tag_name("text")))
        .filter_map(|t| t.text())
        .collect();
    assert_eq!(ticks, ["0", "1", "2"]);

    // Nothing changed: nothing is graded again.
    let second = batch(&submissions, &out, &[]);
    assert!(second.contains("0 graded, 4 unchanged"), "{second}");
    assert_eq!(gradebook(&out), book);
    // One upload changed: only it is graded.
    fs::write(submissions.join("bob/src/lib.rs"), solution_source("cs240")).unwrap();
    let third = batch(&submissions, &out, &[]);
    assert!(third.contains("1 graded, 3 unchanged"), "{third}");
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
        vec![2, 2],
        "deterministic split of the sorted students"
    );
    assert_eq!(gradebook(&shards[0])[1][0], "alice");
    assert_eq!(gradebook(&shards[0])[2][0], "carol");
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
    assert_eq!(
        book[1][..4],
        ["submission_101", "Ada Lovelace", "100", "graded"]
    );
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

/// The class report's reason for a file that does not compile quotes the
/// student's own first error, not the grader's adapter error the compiler
/// printed before it: here a renamed `sigmoid_derivative` (the adapter cannot
/// find it, an error the compiler reports first) and a type error in `cost`.
#[test]
fn a_class_report_quotes_the_students_first_compile_error() {
    let work = tempfile::tempdir().unwrap();
    let submissions = work.path().join("submissions");
    let solution = solution_source("cs240");
    let sum = "0.5 * diff.mapv(|d| d * d).sum()";
    assert_eq!(solution.matches(sum).count(), 1);
    let source = solution
        .replace("sigmoid_derivative(", "sigmoid_deriv(")
        .replace(sum, "0.5 * diff.mapv(|d| d * d)");
    let line = source
        .lines()
        .position(|l| l.contains("0.5 * diff.mapv(|d| d * d)"))
        .unwrap()
        + 1;
    fs::create_dir_all(submissions.join("erin/src")).unwrap();
    fs::write(submissions.join("erin/src/lib.rs"), &source).unwrap();
    let out = work.path().join("out");
    batch(&submissions, &out, &[]);
    let results = fs::read_to_string(out.join("erin/results.json")).unwrap();
    // The compiler's own order: the adapter's error first.
    let adapter = results
        .find("grader's adapter.rs")
        .unwrap_or_else(|| panic!("{results}"));
    let own = results
        .find("--> src/lib.rs:")
        .unwrap_or_else(|| panic!("{results}"));
    assert!(adapter < own, "{results}");
    let summary = fs::read_to_string(out.join("summary.md")).unwrap();
    let row = summary
        .lines()
        .find(|l| l.starts_with("| erin |"))
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(row.contains("did not compile"), "{row}");
    assert!(!row.contains("sigmoid"), "the adapter's error: {row}");
    // The place is the student's: the error is reported at or just below
    // the changed expression (the `.sum()` it lost ends the statement).
    let place = row
        .split("src/lib.rs:")
        .nth(1)
        .unwrap_or_else(|| panic!("no place: {row}"));
    let at: usize = place.split(':').next().unwrap().parse().unwrap();
    assert!((line..line + 4).contains(&at), "line {line}: {row}");
}
