//! Hostile files, uploads and class folders, through the real `grade` binary:
//! outputs written through links a student committed, special files (named
//! pipes, devices, links to `/dev/zero`) in an upload, folder and submitter
//! names that a spreadsheet would run, folder names that differ only in bytes
//! that are not UTF-8, bidi and control characters in folder and submitter
//! names, a YAML alias bomb in Gradescope's export metadata, and a 2 GiB
//! sparse file for batch's hashing. Each asserts the grader finished
//! within a bound with its own peak memory under a bound (`GRADE_REPORT_PEAK`),
//! wrote a valid results.json itself, and graded the rest (and the
//! neighbours) exactly.

mod common;

use common::{check_gradescope_shape, grade_bin, solution_source, text};
use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Generous: the machine is shared. A named pipe that blocks hangs forever.
const BOUND: Duration = Duration::from_secs(120);
/// The grader's own peak (children excluded) grading one CS240 submission is
/// about 12 MB; reading `/dev/zero` or a 2 GiB file would be GBs.
const PEAK_KB: u64 = 200_000;

struct Ran {
    output: Output,
    elapsed: Duration,
    peak_kb: u64,
}

impl Ran {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    /// Bounded in time and in the grader's own memory.
    fn check_bounds(&self) {
        assert!(
            self.elapsed < BOUND,
            "took {:?}: {}",
            self.elapsed,
            text(&self.output)
        );
        assert!(
            self.peak_kb < PEAK_KB,
            "grader peak {} kB: {}",
            self.peak_kb,
            text(&self.output)
        );
    }
}

/// Runs `grade` with its peak memory reported; a hang is cut at twice the bound.
fn run(cmd: &mut Command) -> Ran {
    cmd.env("GRADE_REPORT_PEAK", "1")
        .stdin(std::process::Stdio::null());
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run grade");
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        let deadline = Instant::now() + 2 * BOUND;
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            // SAFETY: probing with signal 0 has no effect.
            if unsafe { libc::kill(pid as i32, 0) } != 0 {
                return;
            }
        }
        // SAFETY: the child we spawned, still running past the deadline.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    });
    let output = child.wait_with_output().expect("wait for grade");
    let elapsed = start.elapsed();
    let _ = watchdog.join();
    let peak_kb = String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("grade: peak memory "))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line: {}", text(&output)));
    Ran {
        output,
        elapsed,
        peak_kb,
    }
}

/// results.json at `path`: present, valid, Gradescope-shaped.
fn results(path: &Path, ran: &Ran) -> Value {
    let raw = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no results.json ({e}): {}", text(&ran.output)));
    let value: Value = serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("results.json is not JSON ({e}): {raw}"));
    check_gradescope_shape(&value);
    value
}

fn grade_upload(upload: &Path, out: &Path, extra: &[&OsStr]) -> Ran {
    run(grade_bin()
        .args(["--lab", "cs240", "--submission"])
        .arg(upload)
        .arg("--out")
        .arg(out)
        .args(extra))
}

/// The CS240 solution with `cost` missing its ½ and the step divided by the
/// data's length (tests/mutants/cs240.toml: cost_without_half,
/// update_divided_by_data_size): cost 5 and mini_batch_GD 10 fail each on its
/// own bug, so 85 whether credit is isolated or as written.
fn scores_85() -> String {
    let mut solution = solution_source("cs240");
    for (from, to) in [
        (
            "0.5 * diff.mapv(|d| d * d).sum()",
            "diff.mapv(|d| d * d).sum()",
        ),
        (
            "let step = eta / batch.len() as f64;",
            "let step = eta / training_data.len() as f64;",
        ),
    ] {
        assert_eq!(solution.matches(from).count(), 1);
        solution = solution.replacen(from, to, 1);
    }
    solution
}

fn write_crate(dir: &Path, source: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), source).unwrap();
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string and mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// A character device like /dev/zero (1, 5) at `path`; false when not allowed.
fn mknod_zero(path: &Path) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string, mode and device number.
    unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 5)) == 0 }
}

fn assert_intact(victim: &Path, content: &str) {
    let meta = std::fs::symlink_metadata(victim).unwrap();
    assert!(meta.is_file());
    assert_eq!(std::fs::read_to_string(victim).unwrap(), content);
}

// ---- writes that follow links -------------------------------------------------

#[test]
fn a_junit_link_committed_in_the_repository_is_refused_not_followed() {
    let work = tempfile::tempdir().unwrap();
    // A file of whoever grades, outside the repository.
    let victim = work.path().join("home/.bashrc");
    std::fs::create_dir_all(victim.parent().unwrap()).unwrap();
    std::fs::write(&victim, "precious\n").unwrap();
    let repo = work.path().join("repo");
    // The failing test puts student-chosen text (the wrong cost) into JUnit.
    write_crate(&repo, &scores_85());
    let junit = repo.join("junit.xml");
    std::os::unix::fs::symlink(&victim, &junit).unwrap();
    let out = work.path().join("results.json");
    let ran = grade_upload(&repo, &out, &[OsStr::new("--junit"), junit.as_os_str()]);
    ran.check_bounds();
    // Refused, saying why; the grading itself stands.
    assert_eq!(ran.output.status.code(), Some(2), "{}", text(&ran.output));
    assert!(
        ran.stderr()
            .contains("junit.xml is a link; refusing to write through it"),
        "{}",
        text(&ran.output)
    );
    assert_eq!(results(&out, &ran)["score"], 85.0);
    assert_intact(&victim, "precious\n");
    assert!(std::fs::symlink_metadata(&junit).unwrap().is_symlink());
    // A hard link is no way round it: the report replaces the entry.
    std::fs::remove_file(&junit).unwrap();
    std::fs::hard_link(&victim, &junit).unwrap();
    let ran = grade_upload(&repo, &out, &[OsStr::new("--junit"), junit.as_os_str()]);
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert_intact(&victim, "precious\n");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit is well-formed");
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        9
    );
}

#[test]
fn the_github_step_summary_is_never_appended_through_a_link_or_into_a_pipe() {
    let work = tempfile::tempdir().unwrap();
    let victim = work.path().join("victim.md");
    std::fs::write(&victim, "precious\n").unwrap();
    let repo = work.path().join("repo");
    write_crate(&repo, &solution_source("cs240"));
    let link = work.path().join("summary-link.md");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let pipe = work.path().join("summary-pipe");
    mkfifo(&pipe);
    for (summary, words) in [(&link, "is a link"), (&pipe, "")] {
        let out = work.path().join("results.json");
        let _ = std::fs::remove_file(&out);
        let ran = run(grade_bin()
            .env("GITHUB_STEP_SUMMARY", summary)
            .args(["--lab", "cs240", "--format", "github", "--submission"])
            .arg(&repo)
            .arg("--out")
            .arg(&out));
        ran.check_bounds();
        // Refused with a message: the grading itself stands.
        assert_eq!(ran.output.status.code(), Some(2), "{}", text(&ran.output));
        assert!(
            ran.stderr().contains("GITHUB_STEP_SUMMARY") && ran.stderr().contains(words),
            "{}",
            text(&ran.output)
        );
        assert_eq!(results(&out, &ran)["score"], 100.0);
    }
    assert_intact(&victim, "precious\n");
    // A regular file is appended to, as before.
    let plain = work.path().join("summary.md");
    std::fs::write(&plain, "# earlier step\n").unwrap();
    let out = work.path().join("results.json");
    let ran = run(grade_bin()
        .env("GITHUB_STEP_SUMMARY", &plain)
        .args(["--lab", "cs240", "--format", "github", "--submission"])
        .arg(&repo)
        .arg("--out")
        .arg(&out));
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    let summary = std::fs::read_to_string(&plain).unwrap();
    assert!(
        summary.starts_with("# earlier step\n") && summary.len() > 40,
        "{summary}"
    );
}

// ---- special files in the upload --------------------------------------------

#[test]
fn a_named_pipe_as_the_student_file_is_refused_without_hanging() {
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up");
    std::fs::create_dir_all(up.join("src")).unwrap();
    mkfifo(&up.join("src/lib.rs"));
    let out = work.path().join("results.json");
    let ran = grade_upload(&up, &out, &[]);
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    let r = results(&out, &ran);
    assert_eq!(r["score"], 0.0);
    assert_eq!(r["extra_data"]["status"], "no file found", "{r}");
    let output = r["output"].as_str().unwrap();
    assert!(output.contains("src/lib.rs is a named pipe"), "{output}");
}

#[test]
fn handout_files_that_are_pipes_devices_or_links_to_dev_zero_are_never_read() {
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up");
    write_crate(&up, &scores_85());
    // Each has a handout file's name: the "unchanged handout file" check
    // compares those with the handout's.
    mkfifo(&up.join("Cargo.toml"));
    std::os::unix::fs::symlink("/dev/zero", up.join("README.md")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", up.join("src/rng.rs")).unwrap();
    let device = mknod_zero(&up.join("src/network.rs"));
    if !device {
        eprintln!("note: no device node (needs root); the pipe and links still run");
    }
    let out = work.path().join("results.json");
    let ran = grade_upload(&up, &out, &[]);
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    let r = results(&out, &ran);
    assert_eq!(r["score"], 85.0, "{r}");
    assert_eq!(common::failed_tests(&r), ["cost", "mini_batch_GD"]);
    let output = r["output"].as_str().unwrap();
    for note in [
        "Cargo.toml (a named pipe, not read)",
        "README.md (a link, not read)",
        "src/rng.rs (a link, not read)",
    ] {
        assert!(output.contains(note), "{note:?} not in {output}");
    }
    if device {
        assert!(
            output.contains("src/network.rs (a device, not read)"),
            "{output}"
        );
    }
}

#[test]
fn lab_detection_reads_no_pipe_no_device_and_no_link_to_dev_zero() {
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up");
    write_crate(&up, &solution_source("cs240"));
    let manifest = up.join("Cargo.toml");
    let mut kinds = vec!["pipe", "link"];
    if mknod_zero(&work.path().join("probe-dev")) {
        kinds.push("device");
    }
    for kind in kinds {
        let _ = std::fs::remove_file(&manifest);
        match kind {
            "pipe" => mkfifo(&manifest),
            "link" => std::os::unix::fs::symlink("/dev/zero", &manifest).unwrap(),
            _ => assert!(mknod_zero(&manifest)),
        }
        // No --lab: the grader looks at the upload's Cargo.toml.
        let ran = run(grade_bin()
            .arg("--submission")
            .arg(&up)
            .arg("--out")
            .arg(work.path().join("results.json")));
        ran.check_bounds();
        assert_eq!(
            ran.output.status.code(),
            Some(2),
            "{kind}: {}",
            text(&ran.output)
        );
        assert!(
            ran.stderr().contains("choose one with --lab"),
            "{kind}: {}",
            text(&ran.output)
        );
    }
    // A plain handout manifest still names the lab.
    std::fs::remove_file(&manifest).unwrap();
    std::fs::write(
        &manifest,
        "[package]\nname = \"cs240_lab\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let out = work.path().join("results.json");
    let ran = run(grade_bin()
        .arg("--submission")
        .arg(&up)
        .arg("--out")
        .arg(&out));
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert_eq!(results(&out, &ran)["score"], 100.0);
}

// ---- the class gradebook ----------------------------------------------------

fn batch(submissions: &Path, out: &Path) -> Ran {
    run(grade_bin()
        .args(["batch", "--lab", "cs240", "--jobs", "2", "--submissions"])
        .arg(submissions)
        .arg("--out")
        .arg(out))
}

/// gradebook.csv as a spreadsheet would read it: header, then rows.
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

fn student_results(out: &Path, id: &str, ran: &Ran) -> Value {
    results(&out.join(id).join("results.json"), ran)
}

#[test]
fn folder_and_submitter_names_reach_the_gradebook_as_text_not_formulas() {
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export");
    // An export: folders named by Gradescope, names chosen by students.
    let folders = [
        ("=2+3", "-1+1", solution_source("cs240"), 100.0),
        ("+cmd", "@SUM(A1)", scores_85(), 85.0),
        (
            "plain",
            "=HYPERLINK(\"http://evil.example/\",\"x\")",
            solution_source("cs240"),
            100.0,
        ),
    ];
    let mut yml = String::from("---\n");
    for (folder, name, source, _) in &folders {
        write_crate(&export.join(folder), source);
        yml.push_str(&format!(
            "'{folder}':\n  :submitters:\n  - :name: '{name}'\n    :sid: '1'\n"
        ));
    }
    std::fs::write(export.join("submission_metadata.yml"), yml).unwrap();
    let out = work.path().join("out");
    let ran = batch(&export, &out);
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert!(
        ran.stdout()
            .contains("3 graded, 0 unchanged, 0 grader failures"),
        "{}",
        text(&ran.output)
    );
    let book = gradebook(&out);
    assert_eq!(book.len(), 4, "{book:?}");
    // Sorted by folder: "+cmd", "=2+3", "plain".
    let expect = [
        ("'+cmd", "'@SUM(A1)", "85"),
        ("'=2+3", "'-1+1", "100"),
        (
            "plain",
            "'=HYPERLINK(\"http://evil.example/\",\"x\")",
            "100",
        ),
    ];
    for (row, (student, name, total)) in book[1..].iter().zip(expect) {
        assert_eq!(row[..4], [student, name, total, "graded"], "{book:?}");
    }
    for row in &book {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a live formula: {cell:?} in {book:?}"
            );
        }
    }
    // Each student's own results.json, under the folder's own name.
    for (folder, _, _, score) in &folders {
        assert_eq!(student_results(&out, folder, &ran)["score"], *score);
    }
}

#[test]
fn folders_differing_only_in_bytes_that_are_not_utf8_stay_two_students() {
    let work = tempfile::tempdir().unwrap();
    let class = work.path().join("class");
    let students: [(&[u8], String, &str, f64); 4] = [
        (b"ana\xff", solution_source("cs240"), "ana%FF", 100.0),
        (b"ana\xfe", scores_85(), "ana%FE", 85.0),
        // What the first would be escaped to, as a real name: kept apart too.
        (b"ana%FF", scores_85(), "ana%25FF", 85.0),
        // The name of a file the batch writes beside the student folders.
        (
            b"gradebook.csv",
            solution_source("cs240"),
            "%67radebook.csv",
            100.0,
        ),
    ];
    for (folder, source, _, _) in &students {
        write_crate(&class.join(OsStr::from_bytes(folder)), source);
    }
    let out = work.path().join("out");
    let ran = batch(&class, &out);
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert!(
        ran.stdout()
            .contains("4 graded, 0 unchanged, 0 grader failures"),
        "{}",
        text(&ran.output)
    );
    let book = gradebook(&out);
    let rows: Vec<(String, String)> = book[1..]
        .iter()
        .map(|r| (r[0].clone(), r[2].clone()))
        .collect();
    let mut expected: Vec<(String, String)> = students
        .iter()
        .map(|(_, _, id, score)| (id.to_string(), score.to_string()))
        .collect();
    expected.sort();
    assert_eq!(rows, expected, "one row per folder, none lost: {book:?}");
    for (_, _, id, score) in &students {
        assert_eq!(student_results(&out, id, &ran)["score"], *score, "{id}");
    }
    assert!(out.join("gradebook.csv").is_file());
    // Resumed: each student keeps their own key.
    let again = batch(&class, &out);
    again.check_bounds();
    assert!(
        again.stdout().contains("0 graded, 4 unchanged"),
        "{}",
        text(&again.output)
    );
    assert_eq!(gradebook(&out), book);
}

/// About 1 KB that a tree-building loader expands to 9^10 strings, naming
/// `submission_1`'s submitters.
fn alias_bomb() -> String {
    let mut bomb = String::from(
        "---\nl0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for k in 1..=9 {
        let p = format!("*l{}", k - 1);
        bomb.push_str(&format!("l{k}: &l{k} [{}]\n", vec![p; 9].join(",")));
    }
    bomb.push_str("submission_1:\n  :submitters:\n  - :name: *l9\n");
    assert!(bomb.len() < 1200, "{}", bomb.len());
    bomb
}

/// The one line batch says when the metadata's aliases expand too far.
const ALIAS_WARNING: &str = "grade: submission_metadata.yml: its YAML aliases expand to more \
     than 2,000,000 nodes or 16 MiB (at line 8); every student is named by their folder instead";

#[test]
fn a_yaml_alias_bomb_in_the_export_metadata_grades_the_batch_with_folder_names() {
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export");
    write_crate(&export.join("submission_1"), &solution_source("cs240"));
    write_crate(&export.join("submission_2"), &scores_85());
    std::fs::write(export.join("submission_metadata.yml"), alias_bomb()).unwrap();
    // Reading the class alone (`grade similar` compiles nothing): the bomb
    // is cut off at the alias limit, quickly and in little memory.
    let ran = run(grade_bin()
        .args(["similar", "--lab", "cs240", "--submissions"])
        .arg(&export)
        .arg("--out")
        .arg(work.path().join("similar")));
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert!(
        ran.elapsed < Duration::from_secs(10),
        "took {:?}: {}",
        ran.elapsed,
        text(&ran.output)
    );
    assert!(ran.peak_kb < 32_000, "peak {} kB", ran.peak_kb);
    assert_eq!(
        ran.stderr().matches(ALIAS_WARNING).count(),
        1,
        "{}",
        ran.stderr()
    );
    // The batch grades every submission, each named by its folder.
    let out = work.path().join("out");
    let ran = batch(&export, &out);
    ran.check_bounds();
    assert!(ran.peak_kb < 64_000, "peak {} kB", ran.peak_kb);
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert!(
        ran.stdout()
            .contains("2 graded, 0 unchanged, 0 grader failures"),
        "{}",
        text(&ran.output)
    );
    let stderr = ran.stderr();
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("alias"))
            .collect::<Vec<_>>(),
        [ALIAS_WARNING],
        "{stderr}"
    );
    // The summary a TA reads says it too, in the grader's words.
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let said = ALIAS_WARNING.trim_start_matches("grade: ");
    assert!(summary.contains(said), "{summary}");
    let book = gradebook(&out);
    assert_eq!(book.len(), 3, "{book:?}");
    assert_eq!(
        book[1][..4],
        ["submission_1", "submission_1", "100", "graded"]
    );
    assert_eq!(
        book[2][..4],
        ["submission_2", "submission_2", "85", "graded"]
    );
    assert_eq!(student_results(&out, "submission_1", &ran)["score"], 100.0);
    assert_eq!(student_results(&out, "submission_2", &ran)["score"], 85.0);
}

/// Characters that reorder or act on text: each must be gone from every
/// class output (the ids carry them as `%XX`, the names as U+FFFD).
const HOSTILE: [char; 9] = [
    '\u{202e}', '\u{2066}', '\u{2069}', '\u{200f}', '\u{61c}', '\u{7}', '\u{1b}', '\u{9b}',
    '\u{2028}',
];

#[test]
fn bidi_and_control_characters_in_folder_and_submitter_names_never_reach_the_gradebook() {
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export");
    // (folder, submitter name as YAML writes it, source, id, name shown, score)
    let class = [
        (
            "sub\u{202e}1",
            "Ada \\u202EecalevoL",
            solution_source("cs240"),
            "sub%E2%80%AE1",
            "Ada \u{fffd}ecalevoL",
            "100",
        ),
        (
            "sub\u{2066}2\u{2069}",
            "\\u2066Bob\\u2069 \\u061CSmith",
            scores_85(),
            "sub%E2%81%A62%E2%81%A9",
            "\u{fffd}Bob\u{fffd} \u{fffd}Smith",
            "85",
        ),
        (
            "sub\u{200f}3",
            "Carol\\u200F\\u2028Jones",
            solution_source("cs240"),
            "sub%E2%80%8F3",
            "Carol\u{fffd} Jones",
            "100",
        ),
        (
            "sub\u{7}4",
            "Dan\\e[31mRed\\x9B2J\\a",
            scores_85(),
            "sub%074",
            "Dan [31mRed 2J",
            "85",
        ),
    ];
    let mut yml = String::from("---\n");
    for (folder, name, source, ..) in &class {
        write_crate(&export.join(folder), source);
        let key = folder
            .replace('\u{202e}', "\\u202E")
            .replace('\u{2066}', "\\u2066")
            .replace('\u{2069}', "\\u2069")
            .replace('\u{200f}', "\\u200F")
            .replace('\u{7}', "\\a");
        yml.push_str(&format!(
            "\"{key}\":\n  :submitters:\n  - :name: \"{name}\"\n    :sid: '1'\n"
        ));
    }
    std::fs::write(export.join("submission_metadata.yml"), &yml).unwrap();
    let out = work.path().join("out");
    let ran = batch(&export, &out);
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert!(
        ran.stdout()
            .contains("4 graded, 0 unchanged, 0 grader failures"),
        "{}",
        text(&ran.output)
    );
    for file in ["gradebook.csv", "summary.md", "report.html"] {
        let written = std::fs::read_to_string(out.join(file)).unwrap();
        for c in HOSTILE {
            assert!(!written.contains(c), "{c:?} in {file}: {written:?}");
        }
    }
    // Every row, with its lossless id, cleaned name and score.
    let book = gradebook(&out);
    let mut expected: Vec<[&str; 4]> = class
        .iter()
        .map(|(_, _, _, id, name, total)| [*id, *name, *total, "graded"])
        .collect();
    expected.sort();
    let rows: Vec<&[String]> = book[1..].iter().map(|r| &r[..4]).collect();
    assert_eq!(rows, expected, "{book:?}");
    for (_, _, _, id, _, total) in &class {
        let score = student_results(&out, id, &ran)["score"].as_f64().unwrap();
        assert_eq!(score.to_string(), *total, "{id}");
    }
}

#[test]
fn batch_hashing_never_reads_a_2_gib_sparse_file_or_opens_a_pipe() {
    let work = tempfile::tempdir().unwrap();
    let class = work.path().join("class");
    let big = class.join("big");
    write_crate(&big, &solution_source("cs240"));
    let file = std::fs::File::create(big.join("weights.bin")).unwrap();
    file.set_len(2 << 30).unwrap();
    mkfifo(&big.join("src/notes.fifo"));
    write_crate(&class.join("neighbour"), &scores_85());
    let out = work.path().join("out");
    let ran = batch(&class, &out);
    ran.check_bounds();
    assert_eq!(ran.output.status.code(), Some(0), "{}", text(&ran.output));
    assert!(
        ran.stdout()
            .contains("2 graded, 0 unchanged, 0 grader failures"),
        "{}",
        text(&ran.output)
    );
    let r = student_results(&out, "big", &ran);
    assert_eq!(r["score"], 100.0, "{r}");
    assert!(
        r["output"]
            .as_str()
            .unwrap()
            .contains("weights.bin (2147483648 bytes, not read)"),
        "{r}"
    );
    assert_eq!(student_results(&out, "neighbour", &ran)["score"], 85.0);
    // Resumed: the key is stable without reading the file.
    let again = batch(&class, &out);
    again.check_bounds();
    assert!(
        again.stdout().contains("0 graded, 2 unchanged"),
        "{}",
        text(&again.output)
    );
    // A change in its size is a change.
    file.set_len((2 << 30) + 4096).unwrap();
    let third = batch(&class, &out);
    third.check_bounds();
    assert!(
        third.stdout().contains("1 graded, 1 unchanged"),
        "{}",
        text(&third.output)
    );
}
