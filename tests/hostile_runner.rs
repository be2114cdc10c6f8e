//! Hostile submissions aimed at the runner (issue 12): oversized answers,
//! disk filling, compile-time bombs, state between cases, and
//! `--require-isolation`. Each goes through the real `grade` binary and
//! checks the time it took, the grader's own peak memory, a valid
//! results.json written by the grader, and the exact score the rest earns.

mod common;

use common::{check_gradescope_shape, failed_tests, grade_bin, solution_source, text};
use serde_json::Value;
use std::process::Output;
use std::time::{Duration, Instant};

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The solution with `body` at the top of `NeuralNetwork::cost` and `top` at the end.
fn attack_source(body: &str, top: &str) -> String {
    let solution = solution_source("cs240");
    let anchor = "    pub fn cost(&self, data: &[Example]) -> f64 {\n";
    assert_eq!(solution.matches(anchor).count(), 1);
    format!(
        "{}\n{top}\n",
        solution.replace(anchor, &format!("{anchor}{body}\n"))
    )
}

struct Graded {
    results: Value,
    output: Output,
    elapsed: Duration,
    peak_kb: u64,
}

fn grade(source: &str, extra: &[&str]) -> Graded {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("up/src")).unwrap();
    std::fs::write(dir.path().join("up/src/lib.rs"), source).unwrap();
    let results_path = dir.path().join("results.json");
    let start = Instant::now();
    let output = grade_bin()
        .env("GRADE_REPORT_PEAK", "1")
        .args(["--lab", "cs240", "--submission"])
        .arg(dir.path().join("up"))
        .arg("--out")
        .arg(&results_path)
        .args(extra)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let raw = std::fs::read_to_string(&results_path)
        .unwrap_or_else(|e| panic!("no results.json ({e}): {}", text(&output)));
    let results: Value = serde_json::from_str(&raw).unwrap();
    check_gradescope_shape(&results);
    Graded {
        results,
        elapsed,
        peak_kb: peak_kb(&output),
        output,
    }
}

fn peak_kb(output: &Output) -> u64 {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("grade: peak memory "))
        .and_then(|l| l.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line: {stderr}"))
}

impl Graded {
    fn feedback(&self) -> String {
        let mut all = self.results["output"].as_str().unwrap().to_string();
        for t in self.results["tests"].as_array().unwrap() {
            all.push('\n');
            all.push_str(t["output"].as_str().unwrap());
        }
        all
    }

    fn check(&self, score: f64, failed: &[&str], bound: Duration, peak_mib: u64) {
        let context = format!("{}\n{}", self.results, text(&self.output));
        assert_eq!(self.output.status.code(), Some(0), "{context}");
        assert!(self.elapsed < bound, "took {:?}: {context}", self.elapsed);
        assert!(
            self.peak_kb < peak_mib << 10,
            "the grader peaked at {} kB: {context}",
            self.peak_kb
        );
        assert_eq!(failed_tests(&self.results), failed, "{context}");
        assert_eq!(self.results["score"].as_f64(), Some(score), "{context}");
        for leak in ["\"expected\"", "\"inputs\""] {
            assert!(!self.feedback().contains(leak), "{leak}: {context}");
        }
    }
}

#[test]
fn an_oversized_answer_frame_is_refused_without_bloating_the_grader() {
    // A well-formed 48 MB answer frame, written before the probe's own.
    let body = r#"
        {
            use std::io::Write;
            use std::os::fd::FromRawFd;
            let mut payload = String::from("{\"ok\":{\"value\":[");
            for i in 0..6_000_000u32 { if i > 0 { payload.push(','); } payload.push_str("0.12345"); }
            payload.push_str("]}}");
            // SAFETY: not really; this is the attack.
            let mut answers = unsafe { std::fs::File::from_raw_fd(3) };
            let _ = write!(answers, "GRADE-ANSWER-v1 {}\n{payload}", payload.len());
            std::mem::forget(answers);
        }
"#;
    let graded = grade(&attack_source(body, ""), &[]);
    // A warm solution peaks near 12 MiB in the debug build. cost 5 lost;
    // mini_batch_GD passes with the reference's cost (isolated credit).
    graded.check(95.0, &["cost"], Duration::from_secs(120), 40);
    let feedback = graded.feedback();
    assert!(
        feedback.contains("answer too large (")
            && feedback.contains("bytes, the limit is 65536 bytes)"),
        "{feedback}"
    );
}

#[test]
fn no_run_sees_the_files_of_another() {
    // Each run of `cost` leaves a file; any run that finds one answers wrong.
    let body = r#"
        let mine = format!("left-by-{}", std::process::id());
        let seen = std::fs::read_dir(".").map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("left-by-"))).unwrap_or(false);
        let _ = std::fs::write(&mine, "I was here");
        if seen { return -1.0; }
"#;
    let graded = grade(&attack_source(body, ""), &[]);
    graded.check(100.0, &[], Duration::from_secs(120), 40);
}

#[test]
fn a_const_eval_loop_is_stopped_early_and_blamed_on_the_code() {
    let top = "pub const fn grade_spin() -> u64 { let mut i = 0u64; loop { i = i.wrapping_add(1); if i == 0 { break; } } i }\npub const GRADE_SPUN: u64 = grade_spin();\n";
    let graded = grade(&attack_source("", top), &[]);
    let all: Vec<&str> = vec![
        "sigmoid",
        "sigmoid_derivative",
        "cost",
        "cost_derivative",
        "forward_pass",
        "mini_batch_GD",
        "back_propagation (biases)",
        "back_propagation (weights)",
    ];
    // Far below the 120 s compile limit.
    graded.check(0.0, &all, Duration::from_secs(60), 40);
    assert_eq!(graded.results["extra_data"]["status"], "did not compile");
    assert!(
        graded
            .feedback()
            .contains("made the compiler run out of time"),
        "{}",
        graded.feedback()
    );
}

#[test]
fn a_huge_static_array_does_not_compile_within_the_memory_limit() {
    let top = "pub static GRADE_BIG: [u8; 1 << 33] = [7; 1 << 33];\n";
    let graded = grade(&attack_source("", top), &[]);
    assert_eq!(graded.results["score"].as_f64(), Some(0.0));
    assert_eq!(
        graded.results["extra_data"]["status"], "did not compile",
        "{}",
        graded.results
    );
    assert!(
        graded.elapsed < Duration::from_secs(60),
        "{:?}",
        graded.elapsed
    );
}

#[test]
fn filling_the_disk_stays_in_the_run_and_spares_a_batch_neighbour() {
    if !is_root() {
        eprintln!("SKIPPED: the per-run disk quota (a private tmpfs) needs root");
        return;
    }
    // Writes up to 1 GiB per run in 8 MiB files, ignoring errors, then answers right.
    let body = r#"
        for i in 0..128 {
            if std::fs::write(format!("fill-{i}"), vec![1u8; 8 << 20]).is_err() { break; }
        }
"#;
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    for (who, source) in [
        ("a_filler", attack_source(body, "")),
        ("b_neighbour", solution_source("cs240")),
    ] {
        std::fs::create_dir_all(subs.join(who).join("src")).unwrap();
        std::fs::write(subs.join(who).join("src/lib.rs"), source).unwrap();
    }
    let out = dir.path().join("out");
    let start = Instant::now();
    let output = grade_bin()
        .env("GRADE_REPORT_PEAK", "1")
        .args(["batch", "--lab", "cs240", "--jobs", "2", "--submissions"])
        .arg(&subs)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        start.elapsed() < Duration::from_secs(180),
        "{:?}",
        start.elapsed()
    );
    assert!(peak_kb(&output) < 60 << 10, "{}", text(&output));
    for who in ["a_filler", "b_neighbour"] {
        let results: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(who).join("results.json")).unwrap(),
        )
        .unwrap();
        check_gradescope_shape(&results);
        assert_eq!(results["score"].as_f64(), Some(100.0), "{who}: {results}");
    }
}

#[test]
fn require_isolation_refuses_without_every_layer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("up/src")).unwrap();
    std::fs::write(dir.path().join("up/src/lib.rs"), solution_source("cs240")).unwrap();
    let results_path = dir.path().join("results.json");
    let output = grade_bin()
        .env("GRADE_NO_ISOLATION", "1")
        .args(["--lab", "cs240", "--require-isolation", "--submission"])
        .arg(dir.path().join("up"))
        .arg("--out")
        .arg(&results_path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--require-isolation: this machine lacks"),
        "{stderr}"
    );
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(&results_path).unwrap()).unwrap();
    check_gradescope_shape(&results);
    assert_eq!(
        results["extra_data"]["status"], "grader failure",
        "{results}"
    );
    // Without the flag, as root, the missing layers are said in the output.
    if is_root() {
        let output = grade_bin()
            .env("GRADE_NO_ISOLATION", "1")
            .args(["--lab", "cs240", "--submission"])
            .arg(dir.path().join("up"))
            .arg("--out")
            .arg(&results_path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output));
        let results: Value =
            serde_json::from_str(&std::fs::read_to_string(&results_path).unwrap()).unwrap();
        assert_eq!(results["score"].as_f64(), Some(100.0));
        assert!(
            results["output"]
                .as_str()
                .unwrap()
                .contains("Warning: graded without"),
            "{results}"
        );
    }
}

/// World-readable work folders: while a submission is graded, every folder
/// the grader makes in the temporary folder is private to root (0700), so
/// that even without Landlock the sandbox account cannot list a classmate's
/// source in a batch, and a case's
/// inputs are never on disk (they reach the probe through a pipe). Watched
/// from outside while the attack's `cost` takes its time.
#[test]
fn work_folders_and_inputs_are_private_while_a_submission_runs() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    // Like /tmp: anyone may create entries in it.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let source = attack_source(
        "        std::thread::sleep(std::time::Duration::from_millis(150));",
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("up/src")).unwrap();
    std::fs::write(dir.path().join("up/src/lib.rs"), source).unwrap();
    let mut child = grade_bin()
        .env("TMPDIR", tmp.path())
        .args(["--lab", "cs240", "--submission"])
        .arg(dir.path().join("up"))
        .arg("--out")
        .arg(dir.path().join("results.json"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut seen_folders = 0;
    let mut seen_inputs = 0;
    let mut exposed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        for entry in std::fs::read_dir(tmp.path()).unwrap().flatten() {
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if !meta.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            // The start-up check runs /bin/true as the sandbox account in an
            // empty folder of its own: nothing of a submission is ever in it.
            if name.starts_with("grade-jail-") {
                let holds = std::fs::read_dir(entry.path())
                    .into_iter()
                    .flatten()
                    .count();
                if holds > 0 {
                    exposed.push(format!("{} holds {holds} entries", entry.path().display()));
                }
                continue;
            }
            seen_folders += 1;
            if meta.permissions().mode() & 0o077 != 0 {
                exposed.push(format!(
                    "{} {:o}",
                    entry.path().display(),
                    meta.permissions().mode()
                ));
            }
            if name.starts_with("grade-inputs-") {
                for file in std::fs::read_dir(entry.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let Ok(meta) = std::fs::symlink_metadata(file.path()) else {
                        continue;
                    };
                    seen_inputs += 1;
                    if meta.permissions().mode() & 0o077 != 0 {
                        exposed.push(format!(
                            "{} {:o}",
                            file.path().display(),
                            meta.permissions().mode()
                        ));
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "grade failed");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("results.json")).unwrap())
            .unwrap();
    assert_eq!(results["score"], 100.0, "{results}");
    assert!(seen_folders > 0, "watched nothing");
    // A case's inputs reach the probe through a pipe: never a file at all.
    assert_eq!(seen_inputs, 0, "inputs written to disk");
    exposed.sort();
    exposed.dedup();
    assert!(exposed.is_empty(), "readable by others: {exposed:?}");
}
