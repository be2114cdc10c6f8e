//! Handouts from the reference: the lab folder's sources with every solution
//! region (`// BEGIN SOLUTION` … `// END SOLUTION`) replaced by `todo!()`, or,
//! for the solution crate, with only the marker lines removed. One source of
//! truth: the handout and the solution are never edited separately.

use crate::lab::Lab;
use anyhow::{bail, Context, Result};
use std::path::Path;

pub use crate::regions::Form;

/// Applies `form` to one source file; `name` is only for messages.
pub fn render(source: &str, form: Form, name: &str) -> Result<String> {
    crate::regions::render(source, form, name).map_err(anyhow::Error::msg)
}

/// Every file of the lab's handout crate in `form`, as (path in the crate, contents).
pub fn files(lab: &Lab, form: Form) -> Result<Vec<(String, String)>> {
    lab.spec
        .handout
        .iter()
        .map(|(dest, src)| {
            let text = lab.read(src)?;
            Ok((dest.clone(), render(&text, form, src)?))
        })
        .collect()
}

/// CI workflows that grade a student repository on every push, as (path, text).
pub fn ci_files(lab: &Lab) -> Vec<(String, String)> {
    let fill = |template: &str| {
        template
            .replace("@LAB@", lab.name())
            .replace("@INSTALL@", &lab.spec.ci.install)
    };
    vec![
        (
            ".github/workflows/grade.yml".into(),
            fill(include_str!("ci/github.yml")),
        ),
        (
            ".gitlab-ci.yml".into(),
            fill(include_str!("ci/gitlab-ci.yml")),
        ),
    ]
}

/// Writes the handout (or solution) crate into `out`, which must be absent or
/// empty, with the CI workflows when `with_ci`.
pub fn write_starter(lab: &Lab, form: Form, out: &Path, with_ci: bool) -> Result<()> {
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
        all.extend(ci_files(lab));
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
