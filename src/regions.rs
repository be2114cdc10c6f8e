//! Solution regions (`// BEGIN SOLUTION` … `// END SOLUTION`): replaced by
//! `todo!()` in a handout, or kept without their markers in the solution.
//! Standalone (std only): the build script of the student build uses it too.

const BEGIN: &str = "// BEGIN SOLUTION";
const END: &str = "// END SOLUTION";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Form {
    /// What students get: solution regions become `todo!()`.
    Handout,
    /// The full solution, markers removed.
    Solution,
}

/// Applies `form` to one source file; `name` is only for messages.
pub fn render(source: &str, form: Form, name: &str) -> Result<String, String> {
    let mut out = String::with_capacity(source.len());
    let mut open: Option<usize> = None;
    for (i, line) in source.lines().enumerate() {
        let marker = line.trim();
        if marker == BEGIN {
            if let Some(at) = open {
                return Err(format!(
                    "{name}:{}: solution region opened again (the one at line {} is still open)",
                    i + 1,
                    at + 1
                ));
            }
            open = Some(i);
            if form == Form::Handout {
                let indent = &line[..line.len() - line.trim_start().len()];
                out.push_str(indent);
                out.push_str("todo!()\n");
            }
        } else if marker == END {
            if open.take().is_none() {
                return Err(format!(
                    "{name}:{}: `{END}` without a `{BEGIN}` before it",
                    i + 1
                ));
            }
        } else if open.is_none() || form == Form::Solution {
            out.push_str(line);
            out.push('\n');
        }
    }
    if let Some(at) = open {
        return Err(format!(
            "{name}:{}: solution region is never closed with `{END}`",
            at + 1
        ));
    }
    Ok(out)
}
