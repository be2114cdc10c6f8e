//! The adversarial suite: hostile CS240 submissions (tests/attacks/cs240.toml)
//! and hostile upload layouts. For each: the grader finishes within a bound,
//! writes a valid results.json itself, the attack earns nothing it should not,
//! the rest of the submission is graded as usual, no process it started
//! survives, and (where isolation is on) the golden files stayed out of reach.
//!
//! Assertions that depend on an isolation layer say so and are skipped, with a
//! line on stderr, only when not running as root; as root (CI) they must run.

mod common;

use common::{check_gradescope_shape, grade_bin, solution_source, text};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

#[derive(Deserialize)]
struct Attacks {
    attack: Vec<Attack>,
}

#[derive(Deserialize)]
struct Attack {
    name: String,
    why: String,
    #[serde(default)]
    top: String,
    #[serde(default)]
    body: String,
    score: f64,
    failed: Vec<String>,
    #[serde(default)]
    feedback: Option<String>,
    #[serde(default)]
    needs: Option<String>,
    #[serde(default)]
    spawns: bool,
    #[serde(default = "default_bound")]
    bound_seconds: u64,
}

fn default_bound() -> u64 {
    60
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cs240")
}

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("grade-cache")
}

/// The shared dependency artifacts CS240 probes link (ndarray, serde_json and the wire format),
/// built by grading the solution once if no test has yet.
fn cs240_deps_dir() -> PathBuf {
    let find = || -> Option<PathBuf> {
        for entry in std::fs::read_dir(cache_dir()).ok()?.flatten() {
            let record = entry.path().join("deps.json");
            let Ok(text) = std::fs::read_to_string(&record) else {
                continue;
            };
            let deps: Value = serde_json::from_str(&text).ok()?;
            let names: Vec<&String> = deps["externs"].as_object()?.keys().collect();
            if names == ["grade_wire", "ndarray", "serde_json"] {
                return Some(PathBuf::from(deps["search_dir"].as_str()?));
            }
        }
        None
    };
    if let Some(dir) = find() {
        return dir;
    }
    let solved = grade_upload(&solution_upload(), &[]);
    assert_eq!(solved.score(), 100.0, "{}", text(&solved.output));
    find().expect("the dependency cache exists after grading")
}

/// Every file of a folder with its size and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            (e.path().to_path_buf(), m.len(), m.modified().unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Processes whose command line holds `token`.
fn processes_with(token: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(token) {
                found.push(format!(
                    "{}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

struct Graded {
    results: Value,
    raw: String,
    output: Output,
    elapsed: Duration,
    work: tempfile::TempDir,
}

impl Graded {
    fn score(&self) -> f64 {
        self.results["score"].as_f64().unwrap()
    }

    fn failed(&self) -> Vec<String> {
        common::failed_tests(&self.results)
    }

    /// Everything the student is shown.
    fn feedback(&self) -> String {
        let mut all = self.results["output"].as_str().unwrap().to_string();
        for t in self.results["tests"].as_array().unwrap() {
            all.push('\n');
            all.push_str(t["output"].as_str().unwrap());
        }
        all
    }

    /// Isolation layers the grader reported on stderr.
    fn notice(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr)
            .lines()
            .find(|l| l.contains("isolation:"))
            .unwrap_or("")
            .to_string()
    }
}

/// An upload folder holding the solution as `src/lib.rs`.
fn solution_upload() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), solution_source("cs240")).unwrap();
    dir
}

/// Grades `upload` into a fresh folder's results.json; `vars` fill placeholders
/// in nothing here (the upload is ready), they are only for the record.
fn grade_upload(upload: &tempfile::TempDir, _vars: &[(&str, String)]) -> Graded {
    let work = tempfile::tempdir().unwrap();
    grade_into(upload.path(), work)
}

fn grade_into(upload: &Path, work: tempfile::TempDir) -> Graded {
    let results_path = work.path().join("results.json");
    let start = Instant::now();
    let output = grade_bin()
        .args(["--lab", "cs240", "--submission"])
        .arg(upload)
        .arg("--out")
        .arg(&results_path)
        .output()
        .expect("run grade");
    let elapsed = start.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let raw = std::fs::read_to_string(&results_path)
        .unwrap_or_else(|e| panic!("no results.json ({e}): {}", text(&output)));
    let results: Value = serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("results.json is not JSON ({e}): {raw}"));
    check_gradescope_shape(&results);
    Graded {
        results,
        raw,
        output,
        elapsed,
        work,
    }
}

/// A layer this attack relies on is missing: fine on a laptop, never as root.
fn skip_unless(needs: &str, graded: Option<&Graded>, name: &str) -> bool {
    if is_root() {
        return false;
    }
    let missing = match needs {
        "root" => true,
        "landlock" => graded.is_none_or(|g| !g.notice().contains("Landlock")),
        other => panic!("unknown layer {other}"),
    };
    if missing {
        eprintln!(
            "SKIPPED {name}: its assertions need {needs} isolation, which is off here (not root)"
        );
    }
    missing
}

fn run_attack(name: &str) {
    let all: Attacks = toml::from_str(include_str!("attacks/cs240.toml")).unwrap();
    let attack = all
        .attack
        .into_iter()
        .find(|a| a.name == name)
        .expect("attack listed");
    // A fork bomb as a plain user would hit the whole machine: not without root.
    if attack.needs.as_deref() == Some("root") && skip_unless("root", None, name) {
        return;
    }

    let work = tempfile::tempdir().unwrap();
    let token = format!("grade-attack-{}-{}", name, std::process::id());
    let marker = work.path().join("marker");
    let results_path = work.path().join("results.json");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let deps = cs240_deps_dir();
    let deps_before = snapshot(&deps);
    let fill = |code: &str| {
        code.replace("{FIXTURES}", &fixtures_dir().display().to_string())
            .replace("{DEPS}", &deps.display().to_string())
            .replace("{MARKER}", &marker.display().to_string())
            .replace("{TOKEN}", &token)
            .replace("{RESULTS}", &results_path.display().to_string())
            .replace("{PORT}", &listener.local_addr().unwrap().port().to_string())
    };
    let solution = solution_source("cs240");
    let anchor = "    pub fn cost(&self, data: &[Example]) -> f64 {\n";
    assert_eq!(solution.matches(anchor).count(), 1);
    // `top` goes last: the file starts with inner doc comments.
    let source = format!(
        "{}\n{}\n",
        solution.replace(anchor, &format!("{anchor}{}\n", fill(&attack.body))),
        fill(&attack.top)
    );
    let upload = work.path().join("upload");
    std::fs::create_dir_all(upload.join("src")).unwrap();
    std::fs::write(upload.join("src/lib.rs"), &source).unwrap();

    let graded = grade_into(&upload, work);
    let context = format!(
        "{name} ({}):\n{}\n{}",
        attack.why,
        graded.results,
        text(&graded.output)
    );

    // Bounded, and written by the grader: nothing forged got into results.json.
    assert!(
        graded.elapsed < Duration::from_secs(attack.bound_seconds),
        "took {:?}: {context}",
        graded.elapsed
    );
    // (What the code printed may be quoted in feedback; it never becomes the result.)
    assert_eq!(
        graded.results["tests"].as_array().unwrap().len(),
        9,
        "{context}"
    );
    assert!(
        !graded.results["output"]
            .as_str()
            .unwrap()
            .contains("FORGED"),
        "{context}"
    );
    // Earns what the rest deserves, nothing more.
    assert_eq!(graded.failed(), attack.failed, "{context}");
    assert_eq!(graded.score(), attack.score, "{context}");
    if let Some(words) = &attack.feedback {
        assert!(
            graded.feedback().contains(words.as_str()),
            "feedback lacks {words:?}: {context}"
        );
    }
    // Nothing of the golden files reaches the student.
    let feedback = graded.feedback();
    for leak in ["LEAKED", "\"expected\"", "\"inputs\"", "\"origin\""] {
        assert!(!feedback.contains(leak), "{leak} in feedback: {context}");
    }
    // No process of the submission survives the grader.
    if attack.spawns {
        // Give a detached process the time it asked for before writing.
        std::thread::sleep(Duration::from_millis(2500));
        let after = std::fs::read_to_string(graded.work.path().join("results.json")).unwrap();
        assert_eq!(after, graded.raw, "results.json was rewritten: {context}");
        assert!(
            !marker.exists(),
            "a detached process wrote its marker: {context}"
        );
    }
    let survivors = processes_with(&token);
    assert!(survivors.is_empty(), "survivors {survivors:?}: {context}");

    // Layer-specific evidence.
    if let Some(needs) = &attack.needs {
        if skip_unless(needs, Some(&graded), name) {
            return;
        }
    }
    assert!(!marker.exists(), "wrote outside its folder: {context}");
    let stray = PathBuf::from(format!("/tmp/grade-attack-{token}"));
    let wrote_tmp = stray.exists();
    let _ = std::fs::remove_file(&stray);
    if attack.needs.is_some() {
        assert!(!wrote_tmp, "wrote into /tmp: {context}");
        assert_eq!(
            snapshot(&deps),
            deps_before,
            "the dependency cache changed: {context}"
        );
    }
    if is_root() {
        assert!(
            listener.accept().is_err(),
            "the submission reached a listener on this machine: {context}"
        );
        let notice = graded.notice();
        for layer in ["runs student code as", "no network", "Landlock"] {
            assert!(
                notice.contains(layer),
                "as root, {layer:?} must be on: {notice}"
            );
        }
    }
}

macro_rules! attacks {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_attack(stringify!($name));
            }
        )*
    };
}

attacks!(
    prints_a_forged_results_json_and_frame,
    writes_its_own_frame_then_panics,
    reads_the_fixtures_at_run_time,
    includes_a_fixture_at_compile_time,
    mounts_a_fixture_as_a_module,
    leaves_a_process_that_rewrites_results,
    forks_without_bound,
    allocates_100_gib,
    sleeps_forever,
    overflows_its_stack,
    floods_stdout_and_stderr,
    opens_a_network_connection,
    poisons_the_dependency_cache,
    signals_the_grader,
    writes_outside_its_folder,
);

#[test]
fn every_listed_attack_has_a_test() {
    let all: Attacks = toml::from_str(include_str!("attacks/cs240.toml")).unwrap();
    let source = include_str!("hostile.rs");
    for a in all.attack {
        assert!(
            source.contains(&format!("    {},\n", a.name)),
            "{} has no test",
            a.name
        );
    }
}

#[test]
fn a_poisoned_cache_attempt_leaves_the_next_submission_intact() {
    // Runs the poisoning attack, then grades the solution: still full marks.
    run_attack("poisons_the_dependency_cache");
    let graded = grade_upload(&solution_upload(), &[]);
    assert_eq!(graded.score(), 100.0, "{}", graded.results);
}

// ---- hostile upload layouts -------------------------------------------------

fn upload_with(build: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    dir
}

fn assert_refused(graded: &Graded, words: &str) {
    assert_eq!(graded.score(), 0.0, "{}", graded.results);
    let output = graded.results["output"].as_str().unwrap();
    assert!(output.contains(words), "{words:?} not in {output}");
    assert!(!output.contains("\"expected\""), "{output}");
}

#[test]
fn a_link_to_etc_passwd_is_refused_not_followed() {
    let up = upload_with(|d| {
        std::fs::create_dir(d.join("src")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", d.join("src/lib.rs")).unwrap();
    });
    let graded = grade_upload(&up, &[]);
    assert_refused(&graded, "is a link");
    assert!(!graded.raw.contains("root:x:0"), "{}", graded.raw);
}

#[test]
fn a_link_to_the_fixtures_is_refused_not_followed() {
    let up = upload_with(|d| {
        std::os::unix::fs::symlink(fixtures_dir().join("small_3_5_2.json"), d.join("lib.rs"))
            .unwrap();
    });
    assert_refused(&grade_upload(&up, &[]), "is a link");
}

#[test]
fn a_linked_folder_is_not_entered() {
    // src -> a folder elsewhere holding a full solution: never read.
    let elsewhere = solution_upload();
    let up = upload_with(|d| {
        std::os::unix::fs::symlink(elsewhere.path().join("src"), d.join("src")).unwrap();
    });
    assert_refused(&grade_upload(&up, &[]), "no lib.rs found");
}

#[test]
fn a_huge_file_is_refused() {
    let up = upload_with(|d| {
        let mut source = solution_source("cs240");
        source.push_str(&format!("// {}\n", "x".repeat(2 << 20)));
        std::fs::create_dir(d.join("src")).unwrap();
        std::fs::write(d.join("src/lib.rs"), source).unwrap();
    });
    assert_refused(&grade_upload(&up, &[]), "limit");
}

#[test]
fn a_binary_file_is_refused() {
    let up = upload_with(|d| {
        let mut bytes = solution_source("cs240").into_bytes();
        bytes.extend_from_slice(&[0xff, 0xfe, 0x00, 0x7f]);
        std::fs::write(d.join("lib.rs"), bytes).unwrap();
    });
    assert_refused(&grade_upload(&up, &[]), "not UTF-8");
}

#[test]
fn cargo_toml_and_build_rs_are_ignored_and_never_run() {
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("build-ran");
    let up = upload_with(|d| {
        std::fs::create_dir(d.join("src")).unwrap();
        std::fs::write(d.join("src/lib.rs"), solution_source("cs240")).unwrap();
        std::fs::write(
            d.join("Cargo.toml"),
            "[package]\nname = \"cs240_lab\"\nversion = \"0.1.0\"\nbuild = \"build.rs\"\n\n[dependencies]\nevil = \"1\"\n",
        )
        .unwrap();
        std::fs::write(
            d.join("build.rs"),
            format!(
                "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n",
                marker
            ),
        )
        .unwrap();
    });
    let graded = grade_upload(&up, &[]);
    assert_eq!(graded.score(), 100.0, "{}", graded.results);
    assert!(!marker.exists(), "build.rs ran");
    let output = graded.results["output"].as_str().unwrap();
    assert!(
        output.contains("build.rs") && output.contains("Cargo.toml"),
        "{output}"
    );
}

#[test]
fn files_with_non_utf8_names_do_not_disturb_grading() {
    use std::os::unix::ffi::OsStrExt;
    let up = upload_with(|d| {
        std::fs::create_dir(d.join("src")).unwrap();
        std::fs::write(d.join("src/lib.rs"), solution_source("cs240")).unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"notes-\xff\xfe.txt");
        std::fs::write(d.join(odd), "hello").unwrap();
        std::fs::write(d.join("src").join(odd), "hello").unwrap();
    });
    let graded = grade_upload(&up, &[]);
    assert_eq!(graded.score(), 100.0, "{}", graded.results);
    assert!(graded.results["output"]
        .as_str()
        .unwrap()
        .contains("notes-"));
}
