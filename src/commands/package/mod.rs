//! `grade package`: the zip Gradescope's autograder settings take.
//!
//! Gradescope unpacks it into `/autograder/source`, runs `setup.sh` once as
//! root to build the image, then `run_autograder` per submission. The zip
//! carries the grader's own sources (built on the image, so it matches the
//! image's toolchain) and this lab alone: its lab folder, rubric and fixtures,
//! none of the other labs' solutions. The image builds the grader without the
//! reference solutions (`--no-default-features`): grading needs none.

use crate::lab::Lab;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

const SETUP: &str = include_str!("setup.sh");
const RUN: &str = include_str!("run_autograder");

/// The two scripts for `lab`, as they go into the zip.
pub fn scripts(lab: &str) -> [(&'static str, String); 2] {
    [
        ("setup.sh", SETUP.replace("@LAB@", lab)),
        ("run_autograder", RUN.replace("@LAB@", lab)),
    ]
}

/// Where the grader's sources sit inside the zip (and under `/autograder/source`).
pub const SOURCE_DIR: &str = "grade";

/// The folders and files of `root` the image needs to build and run `grade`
/// for `lab`, relative to `root`. Tests, benches, examples, docs, build output
/// and the other labs stay out.
fn wanted(lab: &str) -> Vec<String> {
    vec![
        "Cargo.lock".into(),
        "build.rs".into(),
        "src".into(),
        "reference/Cargo.toml".into(),
        "reference/src".into(),
        format!("reference/labs/{lab}"),
        format!("rubrics/{lab}.toml"),
        format!("fixtures/{lab}"),
    ]
}

fn source_files(root: &Path, lab: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for top in wanted(lab) {
        let start = root.join(&top);
        if !start.exists() {
            anyhow::bail!(
                "{} is missing; is GRADE_ROOT the grade repository?",
                start.display()
            );
        }
        let walk = walkdir::WalkDir::new(&start)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                // reference/src/labs/ registers every lab's solution for
                // `grade fixtures`; the image's build leaves it out.
                let labs_registry = e.path() == root.join("reference/src/labs");
                !(name == "target" || name.starts_with('.') || labs_registry)
            });
        for entry in walk {
            let entry = entry?;
            // Links (the labs' copy of rng.rs) are stored as the file they point to.
            if entry.path().is_file() {
                files.push(entry.path().strip_prefix(root)?.to_path_buf());
            }
        }
    }
    Ok(files)
}

/// The workspace manifest as the image builds it: without the `[[bench]]`
/// targets, whose sources are not shipped (cargo refuses a manifest naming a
/// missing bench).
fn image_manifest(root: &Path) -> Result<String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut manifest: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    manifest.remove("bench");
    Ok(format!(
        "# Written by `grade package` from the grader's Cargo.toml, without its benches.\n{}",
        toml::to_string(&manifest)?
    ))
}

/// Writes the autograder zip for `lab` to `out`; returns how many files it holds.
pub fn write(lab: &Lab, out: &Path) -> Result<usize> {
    let manifest = image_manifest(&lab.root)?;
    let files = source_files(&lab.root, lab.name())?;
    let file = std::fs::File::create(out)
        .with_context(|| format!("cannot create {}; check the folder exists", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let executable = SimpleFileOptions::default().unix_permissions(0o755);
    let plain = SimpleFileOptions::default().unix_permissions(0o644);
    for (name, text) in scripts(lab.name()) {
        zip.start_file(name, executable)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.start_file(format!("{SOURCE_DIR}/Cargo.toml"), plain)?;
    zip.write_all(manifest.as_bytes())?;
    for rel in &files {
        let bytes = std::fs::read(lab.root.join(rel))
            .with_context(|| format!("cannot read {}", rel.display()))?;
        let name = format!("{SOURCE_DIR}/{}", rel.to_string_lossy());
        zip.start_file(name, plain)?;
        zip.write_all(&bytes)?;
    }
    zip.finish()?;
    Ok(files.len() + 3)
}
