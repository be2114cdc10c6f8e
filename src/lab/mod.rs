//! A lab as data: `reference/labs/<lab>/lab.toml` says how its handout crate is
//! laid out, which file students edit, what their code may depend on, and how
//! its probe is built. Labs are discovered by listing that folder.

pub mod fixture;
pub mod handout;
pub mod paths;
pub mod regions;
pub mod rubric;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabSpec {
    pub name: String,
    pub title: String,
    pub crate_name: String,
    pub student_file: String,
    pub dependencies: BTreeMap<String, String>,
    /// Path in the handout crate -> path under the lab folder.
    pub handout: BTreeMap<String, String>,
    pub probe: ProbeSpec,
    /// How the handout's CI installs the student build of `grade`.
    #[serde(default)]
    pub ci: CiSpec,
    /// Which functions of the student's file each graded item (the
    /// adapter's `ITEMS`) grades: `NAME` for a free function, `Type::NAME`
    /// for a method. Isolated credit grades an item with the reference's
    /// versions of every other item's functions (`grading/isolate.rs`).
    #[serde(default)]
    pub items: BTreeMap<String, Functions>,
    /// A second student file read as data, never compiled: written answers.
    #[serde(default)]
    pub answers: Option<AnswersSpec>,
    /// Items a student's file may lack without failing the build (an
    /// ungraded contest added to a lab): the adapter puts their code under
    /// `#[cfg(not(grade_without_ITEM))]` with a stand-in otherwise, and a
    /// probe that does not compile against the file is built again without
    /// them (`build::optional_cfg`).
    #[serde(default)]
    pub optional_items: Vec<String>,
}

/// `[answers]`: the written answers a lab grades from a TOML file of the
/// student's (`key = value`), as the outputs of one graded item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersSpec {
    /// Its place in the handout crate, e.g. `answers.toml`; the handout
    /// carries the template (every key, with what it asks and how to round).
    pub file: String,
    /// The graded item whose outputs are the file's keys. The grader reads
    /// the file for it; the reference computes its expected values.
    pub item: String,
}

/// The functions of one graded item: one, or a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Functions {
    One(String),
    Many(Vec<String>),
}

impl Functions {
    pub fn list(&self) -> Vec<String> {
        match self {
            Functions::One(f) => vec![f.clone()],
            Functions::Many(fs) => fs.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiSpec {
    /// A shell command that installs the student build of `grade`, e.g.
    /// `cargo install --locked --git <the course's grade repository> grade
    /// --no-default-features --features student`. None by default: then
    /// `grade starter --with-ci` needs `--ci-install`, and never writes a
    /// made-up address into a handout.
    pub install: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// Sources compiled into the probe as modules of the student's crate.
    /// The first (the adapter) provides `call(item, inputs)`; it reaches the
    /// student's code as `super::lab` and the wire format as `crate::wire`.
    pub modules: Vec<String>,
    /// The optimisation level the student's code and the probe are compiled
    /// at (0 to 3). 0 compiles fastest; a lab whose runs are long enough
    /// that a slower compile pays for itself may choose 1 (docs/PERFORMANCE.md
    /// has both costs per lab).
    #[serde(default)]
    pub opt_level: u8,
}

#[derive(Debug)]
pub struct Lab {
    pub spec: LabSpec,
    /// `reference/labs/<lab>/`
    pub dir: PathBuf,
    /// The project root.
    pub root: PathBuf,
}

impl Lab {
    pub fn load(root: &Path, name: &str) -> Result<Lab> {
        let dir = root.join("reference").join("labs").join(name);
        let file = dir.join("lab.toml");
        if !file.is_file() {
            let known = names(root).join(", ");
            bail!("unknown lab \"{name}\" (known labs: {known}); pass one of them with --lab");
        }
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let spec: LabSpec = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), one_line(&e.to_string())))?;
        if spec.name != name {
            bail!(
                "{}: name = \"{}\" but the folder is \"{name}\"; make them agree",
                file.display(),
                spec.name
            );
        }
        if spec.probe.opt_level > 3 {
            bail!(
                "{}: [probe] opt_level = {} is not a level rustc knows; use 0, 1, 2 or 3",
                file.display(),
                spec.probe.opt_level
            );
        }
        if !spec.handout.contains_key(&spec.student_file) {
            bail!(
                "{}: student_file \"{}\" is not one of the [handout] files",
                file.display(),
                spec.student_file
            );
        }
        if let Some(a) = &spec.answers {
            if !spec.handout.contains_key(&a.file) {
                bail!(
                    "{}: [answers] file \"{}\" is not one of the [handout] files; \
                     list its template there",
                    file.display(),
                    a.file
                );
            }
        }
        if let Some(bad) = spec.optional_items.iter().find(|i| {
            i.is_empty()
                || !i
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        }) {
            bail!(
                "{}: optional_items: \"{bad}\" is not an item name (lowercase letters, digits, _)",
                file.display()
            );
        }
        Ok(Lab {
            spec,
            dir,
            root: root.to_path_buf(),
        })
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Whether `item` is graded from the answers file, not by the probe.
    pub fn is_answers_item(&self, item: &str) -> bool {
        self.spec.answers.as_ref().is_some_and(|a| a.item == item)
    }

    pub fn rubric_path(&self) -> PathBuf {
        self.root
            .join("rubrics")
            .join(format!("{}.toml", self.name()))
    }

    pub fn fixtures_dir(&self) -> PathBuf {
        self.root.join("fixtures").join(self.name())
    }

    /// A file of the lab folder, read whole (links inside the repository, such
    /// as the shared `rng.rs`, are followed: the repository is trusted).
    pub fn read(&self, relative: &str) -> Result<String> {
        let path = self.dir.join(relative);
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    }

    /// The lab-agnostic wire module compiled into every probe.
    pub fn wire_source(&self) -> Result<String> {
        let path = self.root.join("reference").join("src").join("wire.rs");
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    }

    /// The lab-agnostic generic instantiations built once with the wire
    /// format (`reference/src/instances.rs`), which probes link to. They
    /// only save compile time: a root without the file (made before it
    /// existed) grades the same, with none.
    pub fn instances_source(&self) -> Result<String> {
        let path = self.root.join("reference").join("src").join("instances.rs");
        match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            other => other.with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

/// The largest upload `Cargo.toml` read to name a lab: the handouts' are
/// under 400 bytes, a student's with extra dependencies a few KB.
pub const MAX_MANIFEST_BYTES: u64 = 64 << 10;

/// The lab whose handout `submission` is, by its `Cargo.toml` package name
/// (the handout's `crate_name`), when that is unambiguous. The manifest is an
/// upload file: read on `upload::read_upload_file`'s terms (no link, no
/// pipe or device, at most [`MAX_MANIFEST_BYTES`]).
pub fn from_handout(root: &Path, submission: &Path) -> Option<String> {
    let bytes =
        crate::upload::read_upload_file(&submission.join("Cargo.toml"), MAX_MANIFEST_BYTES).ok()?;
    let manifest: toml::Table = String::from_utf8(bytes).ok()?.parse().ok()?;
    let package = manifest
        .get("package")?
        .get("name")?
        .as_str()?
        .replace('-', "_");
    let matching: Vec<String> = names(root)
        .into_iter()
        .filter(|n| Lab::load(root, n).is_ok_and(|l| l.spec.crate_name == package))
        .collect();
    match matching.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// The labs under `reference/labs/`, sorted.
pub fn names(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("reference").join("labs"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("lab.toml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Error texts from the toml crate span several lines; keep them on one.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
