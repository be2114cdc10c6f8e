//! Solution regions (`// BEGIN SOLUTION` … `// END SOLUTION`): replaced by
//! `todo!()` in a handout, or kept without their markers in the solution.
//! Standalone (std only): the build script of the student build uses it too.
//!
//! A stub leaves the function's parameters unused, and rustc warns about
//! each. So that a handout builds without warnings, the opening marker may
//! carry one line of handout-only code that the stub runs before `todo!()`:
//! `// BEGIN SOLUTION (handout: let _ = (x, y);)`. A region whose handout
//! is working code, not a task (a starting point students may change, such
//! as CS240's hyperparameters), is `// BEGIN SOLUTION (handout instead: CODE)`:
//! CODE replaces the region, with no `todo!()`.

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
        if let Some(rest) = marker.strip_prefix(BEGIN) {
            let Some((stub, task)) = handout_stub(rest) else {
                return Err(format!(
                    "{name}:{}: after `{BEGIN}`, write nothing, `(handout: CODE)` or \
                     `(handout instead: CODE)`",
                    i + 1
                ));
            };
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
                if !stub.is_empty() {
                    out.push_str(indent);
                    out.push_str(stub);
                    out.push('\n');
                }
                if task {
                    out.push_str(indent);
                    out.push_str("todo!()\n");
                }
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

/// The handout-only code after an opening marker (`""` for none) and whether
/// `todo!()` follows it (false for `(handout instead: CODE)`); `None` when
/// the text is neither form.
fn handout_stub(after_marker: &str) -> Option<(&str, bool)> {
    let rest = after_marker.trim();
    if rest.is_empty() {
        return Some(("", true));
    }
    let (code, task) = match rest.strip_prefix("(handout instead:") {
        Some(code) => (code, false),
        None => (rest.strip_prefix("(handout:")?, true),
    };
    let code = code.strip_suffix(')')?.trim();
    (!code.is_empty()).then_some((code, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_can_carry_handout_only_code_that_keeps_parameters_used() {
        let src = "fn f(x: u32) -> u32 {\n    // BEGIN SOLUTION (handout: let _ = x;)\n    x + 1\n    // END SOLUTION\n}\n";
        assert_eq!(
            render(src, Form::Handout, "x").unwrap(),
            "fn f(x: u32) -> u32 {\n    let _ = x;\n    todo!()\n}\n"
        );
        assert_eq!(
            render(src, Form::Solution, "x").unwrap(),
            "fn f(x: u32) -> u32 {\n    x + 1\n}\n"
        );
        let tuned = "fn h() -> u32 {\n    // BEGIN SOLUTION (handout instead: 8)\n    24\n    // END SOLUTION\n}\n";
        assert_eq!(
            render(tuned, Form::Handout, "x").unwrap(),
            "fn h() -> u32 {\n    8\n}\n"
        );
        let err = render(
            "// BEGIN SOLUTION please\n// END SOLUTION\n",
            Form::Handout,
            "lib.rs",
        )
        .unwrap_err();
        assert!(
            err.contains("lib.rs:1") && err.contains("(handout: CODE)"),
            "{err}"
        );
    }
}
