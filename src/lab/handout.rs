//! Handouts from the reference: the lab folder's sources with every solution
//! region (`// BEGIN SOLUTION` … `// END SOLUTION`) replaced by `todo!()`, or,
//! for the solution crate, with only the marker lines removed. One source of
//! truth: the handout and the solution are never edited separately.

use crate::lab::Lab;
use anyhow::{bail, Context, Result};
use std::path::Path;

pub use crate::lab::regions::Form;

/// Applies `form` to one source file; `name` is only for messages.
pub fn render(source: &str, form: Form, name: &str) -> Result<String> {
    crate::lab::regions::render(source, form, name).map_err(anyhow::Error::msg)
}

/// Every file of the lab's handout crate in `form`, as (path in the crate, contents).
pub fn files(lab: &Lab, form: Form) -> Result<Vec<(String, String)>> {
    lab.spec
        .handout
        .iter()
        .map(|(dest, src)| {
            let text = render(&lab.read(src)?, form, src)?;
            match &lab.spec.answers {
                Some(a) if a.file == *dest && form == Form::Solution => {
                    Ok((dest.clone(), filled_answers(lab, &a.item, &text)?))
                }
                _ => Ok((dest.clone(), text)),
            }
        })
        .collect()
}

/// The answers template with the reference's answers filled in (the
/// solution crate's), from the fixtures: each `key = ""` line of the
/// template gets its value, written as the test grading it asks (rounded to
/// its decimals, integers whole, text quoted), its comment kept.
fn filled_answers(lab: &Lab, item: &str, template: &str) -> Result<String> {
    use crate::lab::rubric::{Rubric, Rule};
    let rubric = Rubric::load(&lab.rubric_path(), lab.name())?;
    let mut values: std::collections::BTreeMap<String, String> = Default::default();
    for test in rubric.tests.iter().filter(|t| t.item == item) {
        for case in rubric.cases_of(test) {
            let fixture = crate::lab::fixture::load(&lab.fixtures_dir(), lab.name(), &case.id)?;
            let Some(serde_json::Value::Object(answers)) = fixture.expected.get(item) else {
                continue;
            };
            for (key, value) in answers {
                if test.outputs.as_ref().is_some_and(|o| !o.contains(key)) {
                    continue;
                }
                let text = match (value, test.rule()) {
                    (serde_json::Value::Number(n), Rule::Rounded { decimals }) => {
                        let x = n.as_f64().unwrap_or(f64::NAN);
                        format!("{x:.prec$}", prec = decimals as usize)
                    }
                    (serde_json::Value::Number(n), _) => match n.as_f64() {
                        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
                        _ => n.to_string(),
                    },
                    (other, _) => other.to_string(),
                };
                values.insert(key.clone(), text);
            }
        }
    }
    let mut out = String::with_capacity(template.len());
    for line in template.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        let rest = line.split_once('=').map(|(_, r)| r.trim_start());
        match (values.get(key), rest) {
            (Some(v), Some(rest)) if rest.starts_with("\"\"") || rest.starts_with("[]") => {
                let comment = rest[2..].trim_start();
                out.push_str(&format!("{key} = {v}"));
                if !comment.is_empty() {
                    out.push_str(&format!("  {comment}"));
                }
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    Ok(out)
}

/// CI workflows that grade a student repository on every push, as (path, text).
/// The install command is `install` when given (`--ci-install`), else the lab's
/// `[ci] install`; with neither, nothing is made up: an error names both.
pub fn ci_files(lab: &Lab, install: Option<&str>) -> Result<Vec<(String, String)>> {
    let install = ci_install(lab, install)?;
    let key = ci_cache_key(lab, &install)?;
    let fill = |template: &str| {
        let mut text = String::new();
        for line in template.lines() {
            if line.trim() == "@INSTALL@" {
                // A block scalar in both templates: the command goes in
                // verbatim, whatever quotes, colons or `#` it holds.
                let indent = &line[..line.len() - line.trim_start().len()];
                for command_line in install.lines() {
                    if !command_line.trim().is_empty() {
                        text.push_str(indent);
                        text.push_str(command_line);
                    }
                    text.push('\n');
                }
            } else {
                text.push_str(
                    &line
                        .replace("@LAB@", lab.name())
                        .replace("@KEY@", &key)
                        .replace("@VERSION@", env!("CARGO_PKG_VERSION")),
                );
                text.push('\n');
            }
        }
        text
    };
    Ok(vec![
        (
            ".github/workflows/grade.yml".into(),
            fill(include_str!("ci/github.yml")),
        ),
        (
            ".gitlab-ci.yml".into(),
            fill(include_str!("ci/gitlab-ci.yml")),
        ),
    ])
}

/// The command that installs the student build of `grade` in CI.
fn ci_install(lab: &Lab, flag: Option<&str>) -> Result<String> {
    let toml = lab.dir.join("lab.toml");
    let (command, from) = match (flag, lab.spec.ci.install.as_deref()) {
        (Some(c), _) => (c, "--ci-install".to_string()),
        (None, Some(c)) => (c, format!("[ci] install in {}", toml.display())),
        (None, None) => bail!(
            "no install command for the student build of grade in CI: set [ci] install in {} \
             (e.g. install = \"cargo install --locked --git <your grade repository> grade \
             --no-default-features --features student\") or pass --ci-install \"COMMAND\"",
            toml.display()
        ),
    };
    let command = command.trim();
    if command.is_empty() {
        bail!("{from} is empty; give the shell command that installs the student build of grade");
    }
    if command.contains("YOUR-COURSE") {
        bail!("{from} still holds the placeholder YOUR-COURSE; put your course's grade repository there");
    }
    Ok(command.to_string())
}

/// `grade-<lab>-<version>-<hash>`: the CI cache key of the installed grader.
/// The hash covers what the student build holds for this lab (`lab.toml`, the
/// handout and probe sources as the handout has them, the wire format, the
/// rubric, the public cases' fixtures) and the install command, so a cache
/// never hands students a grader older than their workflow.
pub fn ci_cache_key(lab: &Lab, install: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut parts: Vec<(String, Vec<u8>)> =
        vec![("lab.toml".into(), lab.read("lab.toml")?.into_bytes())];
    for (dest, text) in files(lab, Form::Handout)? {
        parts.push((format!("handout/{dest}"), text.into_bytes()));
    }
    for module in &lab.spec.probe.modules {
        let text = render(&lab.read(module)?, Form::Handout, module)?;
        parts.push((format!("probe/{module}"), text.into_bytes()));
    }
    parts.push(("wire.rs".into(), lab.wire_source()?.into_bytes()));
    let rubric_path = lab.rubric_path();
    let rubric = crate::lab::rubric::Rubric::load(&rubric_path, lab.name())?;
    parts.push((
        "rubric".into(),
        std::fs::read(&rubric_path)
            .with_context(|| format!("cannot read {}", rubric_path.display()))?,
    ));
    for case in rubric.cases.iter().filter(|c| !c.hidden) {
        let path = lab.fixtures_dir().join(format!("{}.json", case.id));
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        parts.push((format!("fixture/{}", case.id), bytes));
    }
    parts.push(("install".into(), install.as_bytes().to_vec()));
    let mut hash = Sha256::new();
    for (name, bytes) in &parts {
        for field in [name.as_bytes(), bytes.as_slice()] {
            hash.update((field.len() as u64).to_le_bytes());
            hash.update(field);
        }
    }
    let digest: String = hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!(
        "grade-{}-{}-{digest}",
        lab.name(),
        env!("CARGO_PKG_VERSION")
    ))
}

/// Writes the handout (or solution) crate into `out`, which must be absent or
/// empty, with the CI workflows when `with_ci` (installing the grader with
/// `ci_install`, else the lab's `[ci] install`).
pub fn write_starter(
    lab: &Lab,
    form: Form,
    out: &Path,
    with_ci: bool,
    ci_install: Option<&str>,
) -> Result<()> {
    if out.exists()
        && out
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} exists and is not empty; choose a new folder for the starter crate",
            out.display()
        );
    }
    let mut all = files(lab, form)?;
    if with_ci {
        all.extend(ci_files(lab, ci_install)?);
    }
    for (dest, text) in all {
        let path = out.join(&dest);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "fn f() -> u32 {\n    // BEGIN SOLUTION\n    1 + 1\n    // END SOLUTION\n}\n";

    #[test]
    fn handout_replaces_a_region_with_todo_at_its_indentation() {
        assert_eq!(
            render(SRC, Form::Handout, "x").unwrap(),
            "fn f() -> u32 {\n    todo!()\n}\n"
        );
    }

    #[test]
    fn solution_keeps_the_code_and_drops_the_markers() {
        assert_eq!(
            render(SRC, Form::Solution, "x").unwrap(),
            "fn f() -> u32 {\n    1 + 1\n}\n"
        );
    }

    #[test]
    fn unbalanced_markers_are_refused_with_the_line() {
        let err = render("// BEGIN SOLUTION\n", Form::Handout, "lib.rs").unwrap_err();
        assert!(err.to_string().contains("lib.rs:1"), "{err}");
        let err = render("x\n// END SOLUTION\n", Form::Handout, "lib.rs").unwrap_err();
        assert!(err.to_string().contains("lib.rs:2"), "{err}");
    }
}
