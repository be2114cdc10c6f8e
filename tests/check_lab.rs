//! `grade check-lab` (issue 25, point 5), through the real binary: every lab
//! of this repository passes all its checks, and a copy of the root broken
//! on purpose fails each check with a line a TA can act on: a solution that
//! loses points, a handout that warns, a known mistake no graded result can
//! tell from the solution, and a stale fixture.

mod common;

use common::{copy_of_root, grade_bin, run, text};
use std::fs;
use std::path::Path;
use std::process::Output;

/// The report's line for `lab`'s `check` (its words up to the outcome).
fn line<'a>(out: &'a str, lab: &str, check: &str) -> &'a str {
    let start = format!("{lab}: {check}: ");
    out.lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no line `{start}…` in:\n{out}"))
}

fn check_lab(root: Option<&Path>, lab: Option<&str>) -> (Output, String) {
    let mut cmd = grade_bin();
    cmd.arg("check-lab");
    if let Some(lab) = lab {
        cmd.args(["--lab", lab]);
    }
    if let Some(root) = root {
        cmd.env("GRADE_ROOT", root);
    }
    let out = run(&mut cmd);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, stdout)
}

const CHECKS: [&str; 6] = [
    "rubric agrees with the fixtures",
    "fixtures are fresh",
    "solution scores full marks",
    "handout scores 0",
    "handout builds without warnings",
    "known mistakes score below full marks and are told apart",
];

#[test]
fn every_lab_of_this_repository_passes_every_check() {
    let (out, stdout) = check_lab(None, None);
    assert!(out.status.success(), "{}", text(&out));
    let labs = run(grade_bin().arg("labs"));
    let labs = String::from_utf8_lossy(&labs.stdout).into_owned();
    assert!(labs.lines().count() >= 5, "{labs}");
    for lab in labs.lines() {
        for check in CHECKS {
            let l = line(&stdout, lab, check);
            assert!(
                l.starts_with(&format!("{lab}: {check}: ok")),
                "{l}\n{stdout}"
            );
        }
        // The solution's score is the rubric's total, said as a TA reads it.
        let total = common::max_scores(lab).iter().map(|(_, p)| p).sum::<f64>();
        assert!(
            line(&stdout, lab, CHECKS[2]).ends_with(&format!(": ok: {total} / {total}")),
            "{stdout}"
        );
    }
    let checks = labs.lines().count() * CHECKS.len();
    assert!(
        stdout.contains(&format!(
            "{checks} checks: {checks} passed, 0 failed, 0 not checked"
        )),
        "{stdout}"
    );
}

/// One copy of the root, broken three ways in mse2 and checked; then
/// repaired, one fixture made stale, and checked again.
#[test]
fn a_broken_lab_fails_each_check_with_its_cause_and_a_fix() {
    let root = copy_of_root();
    let lab_dir = root.path().join("reference/labs/mse2");
    let lib = lab_dir.join("src/lib.rs");
    let mistakes = lab_dir.join("mistakes.toml");
    let (lib_text, mistakes_text) = (
        fs::read_to_string(&lib).unwrap(),
        fs::read_to_string(&mistakes).unwrap(),
    );

    // (a) The solution's db2 doubled: the gradient tests of b2 fail.
    let good = "let dl_db2 = dl_dz2.sum();";
    assert_eq!(lib_text.matches(good).count(), 1);
    let broken = lib_text.replace(good, "let dl_db2 = 2.0 * dl_dz2.sum();")
        // A helper outside any solution region: the handout warns.
        + "\nfn helper_never_used() {}\n";
    fs::write(&lib, broken).unwrap();
    // (b) A "mistake" that changes sigmoid without changing a single result.
    let from = "z.mapv(|v| 1.0 / (1.0 + (-v).exp()))";
    assert!(lib_text.contains(from));
    fs::write(
        &mistakes,
        format!(
            "{mistakes_text}\n[[mistake]]\nname = \"times_one\"\nhint = \"Multiplying by one changes nothing.\"\n\
             from = \"{from}\"\nto = \"z.mapv(|v| 1.0 / (1.0 + (-v).exp()) * 1.0)\"\n"
        ),
    )
    .unwrap();

    let (out, stdout) = check_lab(Some(root.path()), Some("mse2"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        line(&stdout, "mse2", CHECKS[0]).ends_with(": ok"),
        "{stdout}"
    );
    let solution = line(&stdout, "mse2", CHECKS[2]);
    assert!(
        solution.contains("FAILED: it scores ")
            && solution.contains(" / 100 (failed: ")
            && solution.contains("db2")
            && solution.contains("reference/labs/mse2/src/"),
        "{solution}"
    );
    assert!(
        line(&stdout, "mse2", CHECKS[3]).ends_with(": ok"),
        "{stdout}"
    );
    let warns = line(&stdout, "mse2", CHECKS[4]);
    assert!(
        warns.contains("FAILED: `cargo build --all-targets` in the handout gives 1 warning")
            && warns.contains("helper_never_used")
            && warns.contains("reference/labs/mse2/"),
        "{warns}"
    );
    let told = line(&stdout, "mse2", CHECKS[5]);
    assert!(
        told.contains("FAILED")
            && told.contains("could never be told apart")
            && told.contains(&format!(
                "reference/labs/mse2/mistakes.toml: mistake[{}] (times_one)",
                mistakes_text.matches("[[mistake]]").count()
            ))
            && told.contains("change or remove it"),
        "{told}"
    );
    // No other mistake is blamed.
    assert!(!told.contains("(loss_without_half)"), "{told}");
    assert!(
        stdout.contains("1 lab, 6 checks: 2 passed, 4 failed, 0 not checked"),
        "{stdout}"
    );

    // (c) Repaired, with one fixture edited by hand: stale, and named.
    fs::write(&lib, &lib_text).unwrap();
    fs::write(&mistakes, &mistakes_text).unwrap();
    let fixture = root.path().join("fixtures/mse2/biased_seed1_n50.json");
    let edited =
        fs::read_to_string(&fixture)
            .unwrap()
            .replacen("non-zero biases", "biases not zero", 1);
    fs::write(&fixture, edited).unwrap();
    let (out, stdout) = check_lab(Some(root.path()), Some("mse2"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let fresh = line(&stdout, "mse2", CHECKS[1]);
    assert!(
        fresh.contains("FAILED: 1 file stale: ")
            && fresh.contains("biased_seed1_n50.json differs from what the reference produces now")
            && fresh.contains("run `grade fixtures --lab mse2`"),
        "{fresh}"
    );
    // The mistakes run on the committed cases: not run on stale ones, and said so.
    assert!(
        line(&stdout, "mse2", CHECKS[5]).contains("not checked: the cases' fixtures are stale"),
        "{stdout}"
    );
    for check in [CHECKS[0], CHECKS[2], CHECKS[3], CHECKS[4]] {
        assert!(line(&stdout, "mse2", check).contains(": ok"), "{stdout}");
    }
    assert!(
        stdout.contains("1 lab, 6 checks: 4 passed, 1 failed, 1 not checked"),
        "{stdout}"
    );
}
