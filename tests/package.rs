//! The Gradescope package as Gradescope runs it: `grade package` writes the
//! zip, the test unzips it into `ROOT/source`, runs the real `setup.sh` as
//! root in a clean environment (`env -i`, only `HOME` and the image's default
//! `PATH`), copies `run_autograder` to `ROOT` and runs it the same way for a
//! solution, a mutant and an upload that does not compile.
//!
//! No prebuilt binary and no inherited variable reaches either script. The
//! only stand-ins are for what cannot be reached from here, and they are found
//! the way the real ones would be, through the default `PATH`: a private mount
//! namespace puts a folder holding `apt-get` (which does nothing) and `curl`
//! (whose "rustup installer" leaves this machine's toolchain where rustup puts
//! it, `$HOME/.cargo`) over the empty `/usr/local/sbin`, and a copy of `/etc`
//! over `/etc`, so that the `useradd` of `setup.sh` does not change this
//! machine. Both scripts pass shellcheck.

mod common;

use common::{grade_bin, run, solution_source, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The PATH of Gradescope's Ubuntu image (and of `env -i` shells there).
const IMAGE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `grade package` into a fresh folder, unpacked as Gradescope does:
/// `ROOT/source/` holds the zip, `ROOT/run_autograder` a copy of its script.
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
    std::fs::copy(
        source.join("run_autograder"),
        dir.path().join("run_autograder"),
    )
    .unwrap();
    dir
}

/// The image a test builds: stand-ins and the copy of `/etc`, next to `ROOT`.
struct Image {
    standins: PathBuf,
    etc: PathBuf,
}

impl Image {
    fn new(scratch: &Path) -> Image {
        let standins = scratch.join("standins");
        std::fs::create_dir_all(&standins).unwrap();
        // apt-get: the packages setup.sh asks for (gcc, libc6-dev, util-linux,
        // curl) are on this machine already; the registry may not be.
        write_script(
            &standins.join("apt-get"),
            "#!/bin/sh\necho \"apt-get stand-in: $*\" >&2\nexit 0\n",
        );
        // curl: only the rustup installer is fetched; the "installer" it
        // prints links this machine's toolchain into $HOME/.cargo/bin when it
        // is not there already, and writes rustup's env file.
        let toolchain_bin = Path::new(env!("CARGO")).parent().unwrap().to_path_buf();
        let installer = format!(
            "#!/bin/sh\n\
             set -e\n\
             mkdir -p \"$HOME/.cargo/bin\"\n\
             for tool in cargo rustc; do\n\
             \x20 [ -e \"$HOME/.cargo/bin/$tool\" ] || ln -s '{bin}'/$tool \"$HOME/.cargo/bin/$tool\"\n\
             done\n\
             [ -f \"$HOME/.cargo/env\" ] || printf '%s\\n' 'export PATH=\"$HOME/.cargo/bin:$PATH\"' > \"$HOME/.cargo/env\"\n",
            bin = toolchain_bin.display()
        );
        write_script(
            &standins.join("curl"),
            &format!(
                "#!/bin/sh\ncase \"$*\" in\n  *sh.rustup.rs*) cat <<'INSTALLER'\n{installer}INSTALLER\n  ;;\n  *) echo \"curl stand-in: no network for $*\" >&2; exit 6 ;;\nesac\n"
            ),
        );
        let etc = scratch.join("etc");
        let copied = Command::new("cp")
            .args(["-a", "/etc"])
            .arg(&etc)
            .status()
            .unwrap();
        assert!(copied.success(), "cannot copy /etc");
        Image { standins, etc }
    }

    /// Runs `bash SCRIPT` as Gradescope does: root, `env -i` with only HOME
    /// and the image's PATH, working folder `/`; with the stand-ins on PATH
    /// when `setup`.
    fn run(&self, script: &Path, setup: bool) -> Output {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let mounts = if setup {
            "mount --bind \"$1\" /usr/local/sbin && mount --bind \"$2\" /etc"
        } else {
            "mount --bind \"$2\" /etc"
        };
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--", "/bin/sh", "-c"])
            .arg(format!(
                "{mounts} && cd / && exec env -i HOME=\"$3\" PATH=\"$4\" bash \"$5\""
            ))
            .arg("sh")
            .arg(&self.standins)
            .arg(&self.etc)
            .arg(home)
            .arg(IMAGE_PATH)
            .arg(script)
            .env_clear()
            .env("PATH", IMAGE_PATH)
            .output()
            .unwrap()
    }
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(path, perms).unwrap();
}

/// Puts `lib_rs` in `ROOT/submission/src/`, runs `ROOT/run_autograder` and
/// returns the results.json it left.
fn grade_upload(image: &Image, root: &Path, lib_rs: &str) -> Value {
    let submission = root.join("submission");
    let _ = std::fs::remove_dir_all(&submission);
    let _ = std::fs::remove_dir_all(root.join("results"));
    std::fs::create_dir_all(submission.join("src")).unwrap();
    std::fs::write(submission.join("src/lib.rs"), lib_rs).unwrap();
    let out = image.run(&root.join("run_autograder"), false);
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
    for absent in [
        "tests",
        "target",
        "examples",
        "benches",
        ".git",
        "reference/tests",
        "reference/labs/mse2",
        "reference/labs/twolayernet",
        "reference/labs/modular",
        "reference/labs/lab3",
        "reference/data",
        "reference/src/labs",
        "rubrics/mse2.toml",
        "fixtures/mse2",
    ] {
        assert!(
            !grade.join(absent).exists(),
            "{absent} should not be in the zip"
        );
    }
    let setup = std::fs::read_to_string(source.join("setup.sh")).unwrap();
    assert!(setup.contains("LAB=\"cs240\""), "{setup}");
    assert!(
        setup.contains("useradd"),
        "setup.sh creates the sandbox account"
    );
}

#[test]
fn gradescope_builds_the_zip_and_grades_in_a_clean_environment() {
    if !is_root() {
        // setup.sh runs as root on Gradescope: mount namespaces and useradd need it.
        eprintln!("SKIPPED the Gradescope run: it needs root, as Gradescope's setup.sh has");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let root_dir = autograder_root();
    let root = root_dir.path();
    let image = Image::new(scratch.path());

    let setup = image.run(&root.join("source/setup.sh"), true);
    assert!(
        setup.status.success(),
        "setup.sh failed in a clean environment:\n{}",
        text(&setup)
    );

    let solution = solution_source("cs240");
    let full = grade_upload(&image, root, &solution);
    assert_eq!(full["score"], 100.0, "{full}");

    // The cost-without-½ mutant of tests/mutants/cs240.toml: under the
    // rubric's isolated credit only cost (5) fails, since mini_batch_GD is
    // graded again with the reference's cost: 95 (`isolated_score` there).
    let mutant = solution.replacen(
        "0.5 * diff.mapv(|d| d * d).sum()",
        "diff.mapv(|d| d * d).sum()",
        1,
    );
    assert_ne!(mutant, solution);
    let partial = grade_upload(&image, root, &mutant);
    assert_eq!(partial["score"], 95.0, "{partial}");

    // A type error: 0 points, and the compiler's message reaches the student.
    let broken = solution.replacen("pub fn sigmoid(", "pub fn sigmoid_(", 1);
    assert_ne!(broken, solution);
    let none = grade_upload(&image, root, &broken);
    assert_eq!(none["score"], 0.0, "{none}");
    let said = none.to_string();
    assert!(
        said.contains("sigmoid") && !said.contains("cannot run rustc"),
        "{none}"
    );
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
