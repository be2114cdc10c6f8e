//! `grade package`: the zip Gradescope's autograder settings take.
//!
//! Gradescope unpacks it into `/autograder/source`, runs `setup.sh` once as
//! root to build the image, then `run_autograder` per submission. The zip
//! carries the grader's own sources (built on the image, so it matches the
//! image's toolchain), and only this lab's rubric and fixtures.

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

/// The files of `root` the image needs to build and run `grade` for `lab`,
/// relative to `root`. Tests, examples, docs and build output stay out.
fn source_files(root: &Path, lab: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for top in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        if root.join(top).is_file() {
            files.push(PathBuf::from(top));
        }
    }
    let rubric = format!("rubrics/{lab}.toml");
    let fixtures = format!("fixtures/{lab}");
    for top in ["src", "reference", &rubric, &fixtures] {
        let start = root.join(top);
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
                !(name == "target" || name.starts_with('.') || (name == "tests" && e.depth() == 1))
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

/// Writes the autograder zip for `lab` to `out`.
pub fn write(lab: &Lab, out: &Path) -> Result<usize> {
    let file = std::fs::File::create(out)
        .with_context(|| format!("cannot create {}; check the folder exists", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let executable = SimpleFileOptions::default().unix_permissions(0o755);
    let plain = SimpleFileOptions::default().unix_permissions(0o644);
    for (name, text) in scripts(lab.name()) {
        zip.start_file(name, executable)?;
        zip.write_all(text.as_bytes())?;
    }
    let files = source_files(&lab.root, lab.name())?;
    for rel in &files {
        let bytes = std::fs::read(lab.root.join(rel))
            .with_context(|| format!("cannot read {}", rel.display()))?;
        let name = format!("{SOURCE_DIR}/{}", rel.to_string_lossy());
        zip.start_file(name, plain)?;
        zip.write_all(&bytes)?;
    }
    zip.finish()?;
    Ok(files.len() + 2)
}
