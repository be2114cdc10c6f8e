//! `grade similar`: a generated class, compiled by nobody. Four independent
//! correct solutions (the reference's and three written differently, in
//! tests/similarity/), disguised copies of the reference's (names changed,
//! functions reordered, comments and layout changed, one or two functions
//! rewritten), two students who share only the handout, and files that
//! cannot be compared. Every disguised copy must rank above every
//! independent pair; the handout-only pair must score near zero.

mod common;

use common::{grade_bin, run, solution_source, starter, text};
use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// The three independent solutions written for this test (each grades 100).
const INDEPENDENT: [&str; 3] = ["ana", "ben", "chen"];

fn independent(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/similarity")
        .join(format!("{name}.rs"));
    fs::read_to_string(path).unwrap()
}

fn handout() -> String {
    let dir = starter("cs240", false);
    fs::read_to_string(dir.path().join("crate/src/lib.rs")).unwrap()
}

/// The source's blocks separated by blank lines (the solution's items, each
/// with its doc comment; inside `impl`, each method).
fn blocks(source: &str) -> Vec<String> {
    source.split("\n\n").map(str::to_string).collect()
}

/// The block of `blocks` holding `needle` (exactly one).
fn block_with(blocks: &[String], needle: &str) -> usize {
    let found: Vec<usize> = (0..blocks.len())
        .filter(|&k| blocks[k].contains(needle))
        .collect();
    assert_eq!(found.len(), 1, "{needle:?} in blocks {found:?}");
    found[0]
}

/// Local names a copier renames (each must occur in the solution).
const RENAMES: [(&str, &str); 10] = [
    ("activations", "acts"),
    ("zs", "pre_acts"),
    ("delta", "err_signal"),
    ("layers", "depth"),
    ("sum_db", "acc_b"),
    ("sum_dw", "acc_w"),
    ("let step", "let lr"),
    ("-step", "-lr"),
    ("diff", "residual"),
    ("total", "running"),
];

fn rename(source: &str) -> String {
    let mut s = source.to_string();
    for (from, to) in RENAMES {
        assert!(s.contains(from), "{from} is not in the solution");
        s = s.replace(from, to);
    }
    s
}

/// Comments dropped, others added.
fn recomment(source: &str) -> String {
    source
        .lines()
        .filter(|l| !l.trim_start().starts_with("// "))
        .map(|l| {
            if l.trim_start().starts_with("for ") {
                format!("{l} // loop over it")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Two-space indentation, blank lines inside functions.
fn reformat(source: &str) -> String {
    source
        .lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let line = format!("{}{}", " ".repeat(indent / 2), l.trim_start());
            if line.trim_start().starts_with("let ") {
                format!("\n{line}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The free functions in another order, and `back_propagation` before `cost`.
fn reorder(source: &str) -> String {
    let mut b = blocks(source);
    let sig = block_with(&b, "pub fn sigmoid(");
    let der = block_with(&b, "pub fn cost_derivative(");
    let moved = b.remove(der);
    b.insert(sig, moved);
    let cost = block_with(&b, "pub fn cost(");
    let back = block_with(&b, "pub fn back_propagation(");
    assert_eq!(back, cost + 1);
    b.swap(cost, back);
    b.join("\n\n")
}

/// `forward_pass` written as a fold.
fn rewrite_forward(source: &str) -> String {
    let old = "let mut a = x.clone();\n        for (w, b) in self.weights.iter().zip(&self.biases) {\n            a = sigmoid(&(w.t().dot(&a) + b));\n        }\n        a";
    assert!(source.contains(old), "forward_pass changed in the solution");
    source.replace(
        old,
        "self.weights.iter().zip(self.biases.iter()).fold(x.to_owned(), |out, (w, b)| {\n            sigmoid(&(w.t().dot(&out) + b))\n        })",
    )
}

/// `cost` written with an explicit loop.
fn rewrite_cost(source: &str) -> String {
    let start = source.find("let total: f64 = data").expect("cost's body");
    let end = source[start..]
        .find("total / data.len() as f64")
        .expect("cost's end")
        + start;
    format!(
        "{}let mut total = 0.0;\n        for (x, y) in data {{\n            for (p, q) in self.forward_pass(x).iter().zip(y) {{\n                total += (p - q) * (p - q) / 2.0;\n            }}\n        }}\n        {}",
        &source[..start],
        &source[end..]
    )
}

/// The disguised copies of the solution, by student.
fn disguised(solution: &str) -> Vec<(&'static str, String)> {
    vec![
        ("copy_renamed", recomment(&rename(solution))),
        ("copy_reordered", reformat(&reorder(&rename(solution)))),
        (
            "copy_rewritten",
            reformat(&recomment(&reorder(&rewrite_forward(&rename(solution))))),
        ),
        (
            "copy_two_rewritten",
            recomment(&reorder(&rewrite_cost(&rewrite_forward(solution)))),
        ),
    ]
}

/// Writes `source` as `dir/<who>/src/lib.rs`.
fn put(dir: &Path, who: &str, source: &str) {
    fs::create_dir_all(dir.join(who).join("src")).unwrap();
    fs::write(dir.join(who).join("src/lib.rs"), source).unwrap();
}

/// Only the handout and one function of the student's own, filled in.
fn handout_plus(handout: &str, stub: &str, body: &str) -> String {
    assert!(handout.contains(stub), "{stub:?} not in the handout");
    handout.replacen(stub, body, 1)
}

/// The class: independent solutions, disguised copies of `orig`, two
/// students sharing only the handout.
fn class(dir: &Path) {
    let solution = solution_source("cs240");
    put(dir, "orig", &solution);
    for name in INDEPENDENT {
        put(dir, name, &independent(name));
    }
    for (who, source) in disguised(&solution) {
        put(dir, who, &source);
    }
    let handout = handout();
    put(
        dir,
        "hana",
        &handout_plus(
            &handout,
            "    let _ = z;\n    todo!()\n",
            "    z.map(|v| {\n        let e = (-*v).exp();\n        1.0 / (1.0 + e)\n    })\n",
        ),
    );
    put(
        dir,
        "hugo",
        &handout_plus(
            &handout,
            "    let _ = (output_activations, y);\n    todo!()\n",
            "    let mut r = output_activations.to_owned();\n    r.zip_mut_with(y, |a, b| *a -= *b);\n    r\n",
        ),
    );
}

fn similar(submissions: &Path, out: &Path) -> String {
    let output = run(grade_bin()
        .args(["similar", "--lab", "cs240", "--submissions"])
        .arg(submissions)
        .arg("--out")
        .arg(out));
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// similarity.csv's rows as maps from column to cell.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// Score by unordered pair; a pair absent from the CSV shares nothing (0).
fn scores(rows: &[HashMap<String, String>]) -> HashMap<(String, String), f64> {
    rows.iter()
        .map(|r| {
            let mut pair = [r["student_a"].clone(), r["student_b"].clone()];
            pair.sort();
            let [a, b] = pair;
            ((a, b), r["score"].parse().unwrap())
        })
        .collect()
}

fn score_of(scores: &HashMap<(String, String), f64>, a: &str, b: &str) -> f64 {
    let mut pair = [a.to_string(), b.to_string()];
    pair.sort();
    let [a, b] = pair;
    scores.get(&(a, b)).copied().unwrap_or(0.0)
}

#[test]
fn disguised_copies_rank_above_every_independent_pair_and_the_handout_counts_for_nothing() {
    let work = tempfile::tempdir().unwrap();
    let subs = work.path().join("class");
    class(&subs);
    let out = work.path().join("out");
    let start = std::time::Instant::now();
    let stdout = similar(&subs, &out);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "nothing is compiled: {:?}",
        start.elapsed()
    );
    assert!(stdout.contains("10 files compared, 0 skipped"), "{stdout}");
    let table = rows(&out.join("similarity.csv"));
    let header: Vec<&str> = table[0].keys().map(String::as_str).collect();
    for column in ["student_a", "student_b", "score", "share_a", "share_b"] {
        assert!(header.contains(&column), "{header:?}");
    }
    // Sorted, highest first, each score in [0, 1].
    let listed: Vec<f64> = table.iter().map(|r| r["score"].parse().unwrap()).collect();
    assert!(listed.windows(2).all(|w| w[0] >= w[1]), "{listed:?}");
    assert!(listed.iter().all(|s| (0.0..=1.0).contains(s)), "{listed:?}");
    let scores = scores(&table);

    let solution = solution_source("cs240");
    let copies: Vec<&str> = disguised(&solution).iter().map(|(w, _)| *w).collect();
    let originals: Vec<&str> = std::iter::once("orig").chain(INDEPENDENT).collect();
    // Every pair but those among the original and its copies: independent
    // solutions with each other, with the original and with every copy,
    // and the handout-only students with everyone.
    let copied: Vec<&str> = std::iter::once("orig")
        .chain(copies.iter().copied())
        .collect();
    let everyone: Vec<&str> = copied
        .iter()
        .copied()
        .chain(INDEPENDENT)
        .chain(["hana", "hugo"])
        .collect();
    let mut independent_pairs = Vec::new();
    for (i, a) in everyone.iter().enumerate() {
        for b in &everyone[i + 1..] {
            if !(copied.contains(a) && copied.contains(b)) {
                independent_pairs.push((*a, *b, score_of(&scores, a, b)));
            }
        }
    }
    // 5 copied files × 5 others, and the 5 others among themselves.
    assert_eq!(independent_pairs.len(), 5 * 5 + 10, "{independent_pairs:?}");
    let highest_independent = independent_pairs.iter().map(|p| p.2).fold(0.0, f64::max);
    let mut report = format!("independent pairs: {independent_pairs:?}\n");
    for copy in &copies {
        let s = score_of(&scores, "orig", copy);
        report.push_str(&format!("orig and {copy}: {s}\n"));
    }
    eprintln!("{report}");
    for copy in &copies {
        let s = score_of(&scores, "orig", copy);
        assert!(
            s > highest_independent,
            "{copy} ({s}) does not rank above every independent pair\n{report}"
        );
        // A copy with one or two functions rewritten still shares most.
        assert!(s > 0.5, "{copy}: {s}\n{report}");
    }
    // The copies' pairs with the original are the top of the list.
    let top: Vec<(String, String)> = table
        .iter()
        .take(copies.len())
        .map(|r| (r["student_a"].clone(), r["student_b"].clone()))
        .collect();
    assert!(
        top.iter()
            .all(|(a, b)| copies.contains(&a.as_str()) || copies.contains(&b.as_str())),
        "{top:?}"
    );
    // Sharing only the handout is sharing nothing.
    let handout_only = score_of(&scores, "hana", "hugo");
    assert!(
        handout_only < 0.05,
        "hana and hugo: {handout_only}\n{report}"
    );
    for who in originals {
        for h in ["hana", "hugo"] {
            assert!(
                score_of(&scores, who, h) < 0.2,
                "{who} and {h}: {}",
                score_of(&scores, who, h)
            );
        }
    }
    let skipped = fs::read_to_string(out.join("similarity-skipped.csv")).unwrap();
    assert_eq!(skipped.trim(), "student,name,reason");
}

#[test]
fn unreadable_and_enormous_files_are_skipped_with_their_reason() {
    let work = tempfile::tempdir().unwrap();
    let subs = work.path().join("class");
    let solution = solution_source("cs240");
    put(&subs, "orig", &solution);
    put(&subs, "copy", &rename(&solution));
    // Over the upload cap (1 MiB), a link, a pipe, not UTF-8, not Rust, and
    // one under the cap but far longer than any solution.
    put(&subs, "huge", &"// padding\n".repeat(100_000));
    fs::create_dir_all(subs.join("linked/src")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", subs.join("linked/src/lib.rs")).unwrap();
    fs::create_dir_all(subs.join("piped/src")).unwrap();
    let c = std::ffi::CString::new(subs.join("piped/src/lib.rs").as_os_str().as_encoded_bytes())
        .unwrap();
    // SAFETY: a valid C string and mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    fs::create_dir_all(subs.join("binary/src")).unwrap();
    fs::write(subs.join("binary/src/lib.rs"), [0xff, 0xfe, 0]).unwrap();
    put(&subs, "unclosed", "fn f() { \"never closed");
    put(&subs, "long", &"fn f() { 1 + 1; }\n".repeat(3_000));
    fs::create_dir_all(subs.join("empty")).unwrap();
    let out = work.path().join("out");
    let start = std::time::Instant::now();
    let stdout = similar(&subs, &out);
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    assert!(stdout.contains("2 files compared, 7 skipped"), "{stdout}");
    let skipped: HashMap<String, String> = rows(&out.join("similarity-skipped.csv"))
        .into_iter()
        .map(|r| (r["student"].clone(), r["reason"].clone()))
        .collect();
    let expect = [
        ("huge", "the limit is 1048576"),
        ("linked", "is a link"),
        ("piped", "is a named pipe"),
        ("binary", "not UTF-8"),
        ("unclosed", "cannot be read as Rust"),
        ("long", "too long to compare"),
        ("empty", "no lib.rs found"),
    ];
    for (who, why) in expect {
        let reason = skipped
            .get(who)
            .unwrap_or_else(|| panic!("{who} not listed: {skipped:?}"));
        assert!(reason.contains(why), "{who}: {reason}");
    }
    let table = rows(&out.join("similarity.csv"));
    assert_eq!(table.len(), 1, "{table:?}");
    assert_eq!(
        (&*table[0]["student_a"], &*table[0]["student_b"]),
        ("copy", "orig")
    );
}

#[test]
fn a_gradescope_export_is_read_and_names_stay_inert_in_the_csv() {
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export");
    let solution = solution_source("cs240");
    put(&export, "submission_1", &solution);
    put(&export, "submission_2", &rename(&solution));
    let ben = independent("ben");
    put(&export, "-3+4", &ben);
    // Part of -3+4's file, so that its id is in a row (scoring below the
    // whole copy above).
    let blocks = blocks(&ben);
    put(&export, "+5", &blocks[..blocks.len() * 2 / 3].join("\n\n"));
    fs::write(
        export.join("submission_metadata.yml"),
        "submission_1:\n  :submitters:\n  - :name: \"=HYPERLINK(\\\"http://e.com\\\",\\\"x\\\")\"\n\
         submission_2:\n  :submitters:\n  - :name: \"@SUM(A1)\"\n",
    )
    .unwrap();
    let out = work.path().join("out");
    similar(&export, &out);
    let csv_text = fs::read_to_string(out.join("similarity.csv")).unwrap();
    let table = rows(&out.join("similarity.csv"));
    let top = &table[0];
    assert_eq!(
        (&*top["student_a"], &*top["student_b"]),
        ("submission_1", "submission_2"),
        "{csv_text}"
    );
    assert_eq!(top["name_a"], "'=HYPERLINK(\"http://e.com\",\"x\")");
    assert_eq!(top["name_b"], "'@SUM(A1)");
    assert!(
        table
            .iter()
            .any(|r| r["student_a"] == "'+5" && r["student_b"] == "'-3+4"),
        "the ids that look like formulas are in a row: {csv_text}"
    );
    for row in &table {
        for cell in row.values() {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r']) && !cell.starts_with("-3"),
                "a live cell: {cell:?} in {csv_text}"
            );
        }
    }
    // Nothing to compare is an error a TA can act on.
    let empty = work.path().join("none");
    fs::create_dir_all(&empty).unwrap();
    let output = run(grade_bin()
        .args(["similar", "--lab", "cs240", "--submissions"])
        .arg(&empty)
        .arg("--out")
        .arg(work.path().join("out2")));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn what_is_dropped_is_said() {
    let work = tempfile::tempdir().unwrap();
    let solution = solution_source("cs240");
    // 12 identical files: with the default share every fingerprint is in
    // more than 10 of them, so all are the class's common code.
    let common = work.path().join("common");
    for k in 0..12 {
        put(&common, &format!("s{k:02}"), &solution);
    }
    let stdout = similar(&common, &work.path().join("out-common"));
    let ignored: usize = stdout
        .lines()
        .find_map(|l| l.split_once(" fingerprints ignored as the class's common code"))
        .unwrap_or_else(|| panic!("{stdout}"))
        .0
        .parse()
        .unwrap();
    assert!(ignored > 100, "{stdout}");
    assert!(stdout.contains("in more than 10 files"), "{stdout}");
    assert!(stdout.contains(" 0 pairs share code"), "{stdout}");
    // 150 identical files counted as code of their own (--common-share 1):
    // 11,175 pairs, more than similarity.csv holds.
    let many = work.path().join("many");
    for k in 0..150 {
        put(&many, &format!("s{k:03}"), &solution);
    }
    let out = work.path().join("out-many");
    let output = run(grade_bin()
        .args([
            "similar",
            "--lab",
            "cs240",
            "--common-share",
            "1",
            "--submissions",
        ])
        .arg(&many)
        .arg("--out")
        .arg(&out));
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("0 fingerprints ignored"),
        "{}",
        text(&output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "similarity.csv holds the 10000 highest-scoring of 11175 pairs; the other 1175"
        ),
        "{}",
        text(&output)
    );
    assert_eq!(rows(&out.join("similarity.csv")).len(), 10_000);
}
