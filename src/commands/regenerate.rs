//! `grade fixtures`: regenerate a lab's fixtures from its reference, or check
//! that the committed ones are what the reference produces now. A lab with a
//! catalogue of known mistakes (`reference/labs/<lab>/mistakes.toml`) also
//! gets `fixtures/<lab>/mistakes.json`: each mistake's outputs on every case,
//! computed by building and probing the changed solution like a submission
//! (`grading::mistakes`).

use crate::grading::mistakes;
use anyhow::{bail, Context, Result};
use std::path::Path;

/// What a check found out of date, as messages naming each file.
pub fn check(root: &Path, lab: &str) -> Result<Vec<String>> {
    let mut stale = check_cases(root, lab)?;
    // The mistakes' outputs are computed on the committed cases: only
    // meaningful once those are current.
    if !stale.is_empty() {
        let path = root.join("fixtures").join(lab).join(mistakes::FILE);
        if path.exists() {
            stale.push(format!(
                "{} not checked: the cases' fixtures are stale",
                path.display()
            ));
        }
        return Ok(stale);
    }
    let checked = check_mistakes(root, lab)?;
    stale.extend(checked.refused);
    stale.extend(checked.stale);
    Ok(stale)
}

/// The cases' fixture files that differ from what the reference produces
/// now, are missing, or are not produced by it, one message each.
pub fn check_cases(root: &Path, lab: &str) -> Result<Vec<String>> {
    let dir = root.join("fixtures").join(lab);
    let mut stale = Vec::new();
    let files = generated(lab)?;
    for (name, text) in &files {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(current) if current == *text => {}
            Ok(_) => stale.push(format!(
                "{} differs from what the reference produces now",
                path.display()
            )),
            Err(_) => stale.push(format!("{} is missing", path.display())),
        }
    }
    for extra in json_files(&dir)? {
        if !files.iter().any(|(n, _)| *n == extra) {
            stale.push(format!(
                "{} is not produced by the reference",
                dir.join(extra).display()
            ));
        }
    }
    Ok(stale)
}

/// What checking a lab's known mistakes found.
#[derive(Default)]
pub struct MistakesCheck {
    /// `mistakes.json` out of date (or there without a catalogue).
    pub stale: Vec<String>,
    /// Entries that could never be told apart from the solution.
    pub refused: Vec<String>,
    /// The catalogue's outputs as built now (`None`: the lab has none).
    pub generated: Option<String>,
}

/// Builds the lab's known mistakes and compares their outputs with
/// `fixtures/<lab>/mistakes.json` (the cases' fixtures must be current).
pub fn check_mistakes(root: &Path, lab: &str) -> Result<MistakesCheck> {
    let path = root.join("fixtures").join(lab).join(mistakes::FILE);
    let mut checked = MistakesCheck::default();
    match mistakes::generate(root, lab, &crate::lab::paths::cache_dir())? {
        Some(generated) => {
            checked.refused = generated.refused;
            match std::fs::read_to_string(&path) {
                Ok(current) if current == generated.text => {}
                Ok(_) => checked.stale.push(format!(
                    "{} differs from the known mistakes' outputs now",
                    path.display()
                )),
                Err(_) => checked.stale.push(format!("{} is missing", path.display())),
            }
            checked.generated = Some(generated.text);
        }
        None if path.exists() => checked.stale.push(format!(
            "{} is there, but the lab has no mistakes.toml",
            path.display()
        )),
        None => {}
    }
    Ok(checked)
}

/// Writes every fixture file of `lab`, each atomically; returns how many changed.
pub fn write(root: &Path, lab: &str) -> Result<usize> {
    let dir = root.join("fixtures").join(lab);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let files = generated(lab)?;
    let mut changed = 0;
    for (name, text) in &files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())?;
        crate::report::results::persist_readable(tmp, &path)?;
        changed += 1;
    }
    for extra in json_files(&dir)? {
        if !files.iter().any(|(n, _)| *n == extra) {
            std::fs::remove_file(dir.join(&extra))?;
            changed += 1;
        }
    }
    let path = dir.join(mistakes::FILE);
    match mistakes::generate(root, lab, &crate::lab::paths::cache_dir())? {
        Some(generated) => {
            if !generated.refused.is_empty() {
                bail!("{}", generated.refused.join("\n"));
            }
            if std::fs::read_to_string(&path).ok().as_deref() != Some(generated.text.as_str()) {
                let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
                std::io::Write::write_all(&mut tmp, generated.text.as_bytes())?;
                crate::report::results::persist_readable(tmp, &path)?;
                changed += 1;
            }
        }
        None if path.exists() => {
            std::fs::remove_file(&path)?;
            changed += 1;
        }
        None => {}
    }
    Ok(changed)
}

#[cfg(feature = "reference")]
fn generated(lab: &str) -> Result<Vec<(String, String)>> {
    let Some(reference) = reference::labs::find(lab) else {
        let known: Vec<&str> = reference::labs::LABS.iter().map(|l| l.name).collect();
        bail!(
            "the reference has no lab \"{lab}\" (it has: {})",
            known.join(", ")
        );
    };
    reference::fixtures::generate(reference)
        .map_err(|e| anyhow::anyhow!("the reference failed: {e}"))
}

#[cfg(not(feature = "reference"))]
fn generated(lab: &str) -> Result<Vec<(String, String)>> {
    bail!(
        "this build of grade carries no reference solutions, so it cannot make fixtures \
         for {lab}; use the full build (default features)"
    )
}

fn json_files(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            // The known mistakes' file is checked on its own.
            if name.ends_with(".json") && name != mistakes::FILE {
                names.push(name);
            }
        }
    }
    names.sort();
    Ok(names)
}
