//! The Gradescope package end to end: `grade package` writes the zip, the
//! test lays it out as Gradescope does under a temporary `/autograder`
//! (`AUTOGRADER_ROOT`), and runs `run_autograder` for the solution and a
//! mutant. `setup.sh` needs the network, so the test stands in for it with the
//! `grade` binary under test (`GRADE_BIN`) and the shared test cache; both
//! scripts pass shellcheck.

mod common;

use common::{grade_bin, run, solution_source, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `grade package` into a fresh folder, unpacked as Gradescope does.
fn autograder_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("autograder.zip");
    let out = run(grade_bin()
        .args(["package", "--lab", "cs240", "--out"])
        .arg(&zip_path));
    assert!(out.status.success(), "{}", text(&out));
    let source = dir.path().join("source");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    archive.extract(&source).unwrap();
    // Gradescope copies run_autograder next to source/.
    std::fs::copy(
        source.join("run_autograder"),
        dir.path().join("run_autograder"),
    )
    .unwrap();
    dir
}

fn run_autograder(root: &Path, lib_rs: &str) -> Value {
    let submission = root.join("submission");
    let _ = std::fs::remove_dir_all(&submission);
    std::fs::create_dir_all(submission.join("src")).unwrap();
    std::fs::write(submission.join("src/lib.rs"), lib_rs).unwrap();
    let out = Command::new("bash")
        .arg(root.join("run_autograder"))
        .env("AUTOGRADER_ROOT", root)
        .env("GRADE_BIN", env!("CARGO_BIN_EXE_grade"))
        .env(
            "GRADE_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("grade-cache"),
        )
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let results = root.join("results/results.json");
    let raw = std::fs::read_to_string(&results)
        .unwrap_or_else(|e| panic!("no {} ({e}): {}", results.display(), text(&out)));
    let json: Value = serde_json::from_str(&raw).unwrap();
    common::check_gradescope_shape(&json);
    json
}

#[test]
fn the_zip_has_gradescopes_layout_and_only_this_labs_data() {
    let root = autograder_root();
    let source = root.path().join("source");
    for script in ["setup.sh", "run_autograder"] {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(source.join(script))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o111, 0o111, "{script} is not executable");
    }
    let grade = source.join("grade");
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "src/main.rs",
        "reference/src/rng.rs",
        "reference/labs/cs240/src/rng.rs",
        "rubrics/cs240.toml",
        "fixtures/cs240/lab_784_8_8_10.json",
    ] {
        assert!(
            grade.join(needed).is_file(),
            "{needed} missing from the zip"
        );
    }
    for absent in ["tests", "target", "examples", ".git", "reference/tests"] {
        assert!(
            !grade.join(absent).exists(),
            "{absent} should not be in the zip"
        );
    }
    let setup = std::fs::read_to_string(source.join("setup.sh")).unwrap();
    assert!(setup.contains("prepare --lab \"$LAB\"") && setup.contains("LAB=\"cs240\""));
    assert!(
        setup.contains("useradd"),
        "setup.sh creates the sandbox account"
    );
}

#[test]
fn run_autograder_grades_the_solution_and_a_mutant() {
    let root = autograder_root();
    let solution = solution_source("cs240");
    let full = run_autograder(root.path(), &solution);
    assert_eq!(full["score"], 100.0, "{full}");

    // The cost-without-½ mutant of tests/mutants/cs240.toml: 85 (cost and
    // mini_batch_GD fail).
    let mutant = solution.replacen(
        "0.5 * diff.mapv(|d| d * d).sum()",
        "diff.mapv(|d| d * d).sum()",
        1,
    );
    assert_ne!(mutant, solution);
    let partial = run_autograder(root.path(), &mutant);
    assert_eq!(partial["score"], 85.0, "{partial}");
}

/// shellcheck, installed from Debian's packages when missing and we may.
fn shellcheck() -> Option<PathBuf> {
    let found = || {
        Command::new("shellcheck")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from("shellcheck"))
    };
    if let Some(p) = found() {
        return Some(p);
    }
    if !is_root() {
        return None;
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "shellcheck"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        install();
    }
    found()
}

#[test]
fn both_scripts_pass_shellcheck() {
    let Some(shellcheck) = shellcheck() else {
        assert!(
            !is_root(),
            "as root, shellcheck must be installable with apt-get"
        );
        eprintln!("SKIPPED shellcheck: not installed, and installing it needs root");
        return;
    };
    let root = autograder_root();
    let source = root.path().join("source");
    let out = Command::new(shellcheck)
        .args(["--shell=bash", "--severity=style"])
        .arg(source.join("setup.sh"))
        .arg(source.join("run_autograder"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}
