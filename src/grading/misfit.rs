//! A student's file that compiles on its own but not with the grader's calls
//! (a changed signature, a renamed function): each test's line says which of
//! its functions the compiler points at, where, and why, so a student need
//! not read the probe's errors to find their own line.

use crate::build::variant::Source;
use crate::build::ApiMisfit;

/// The "Not graded" line of a test whose `functions` (the lab's `[items]`
/// entry: `name` or `Type::name`) one of the compiler's errors is about,
/// or `None` when none is: the error points into one of their definitions
/// in `source` ("method defined here"), or names one of them.
pub fn test_line(
    misfit: &ApiMisfit,
    functions: &[String],
    source: &Source,
    file: &str,
) -> Option<String> {
    misfit.errors.iter().find_map(|error| {
        functions.iter().find_map(|function| {
            let short = function.rsplit("::").next().unwrap_or(function);
            let line = source.get(function).and_then(|def| {
                let lines =
                    line_of(&source.text, def.range.start)..=line_of(&source.text, def.range.end);
                error
                    .student_lines
                    .iter()
                    .copied()
                    .find(|l| lines.contains(l))
            });
            // The probe reaches the student's crate as `lab` (`use crate as
            // lab;`): the compiler's "in module `lab`" means their file.
            let message = error.message.replace(" in module `lab`", " in your file");
            let then = "Keep the handout's name and signature; the compiler's whole message \
                        is in the submission's output.";
            match line {
                Some(line) => Some(format!(
                    "Not graded: the grader's call to your `{short}` ({file} line {line}) does \
                     not compile: {message}. {then}"
                )),
                None if names(&message, function) => Some(format!(
                    "Not graded: the grader calls your `{short}`, and the compiler says: \
                     {message}. {then}"
                )),
                None => None,
            }
        })
    })
}

/// Whether the compiler's `message` names `function`: a free function by
/// its name, a method by its name and its type's (several types may have a
/// `forward`: "no function or associated item named `forward` found for
/// struct `ReLU`" is about `ReLU::forward` only).
fn names(message: &str, function: &str) -> bool {
    let mut parts = function.rsplit("::");
    let short = parts.next().unwrap_or(function);
    message.contains(&format!("`{short}`"))
        && parts
            .next()
            .is_none_or(|ty| message.contains(&format!("`{ty}`")))
}

/// The line (from 1) of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ProbeError;

    const FILE: &str = "pub fn sigmoid(z: f64) -> f64 { z }\n\
                        impl Net {\n    \
                            pub fn train(\n        &mut self,\n        eta: f32,\n    ) {}\n\
                        }\n";

    fn misfit(message: &str, student_lines: &[usize]) -> ApiMisfit {
        ApiMisfit {
            text: String::new(),
            errors: vec![ProbeError {
                message: message.into(),
                student_lines: student_lines.to_vec(),
            }],
        }
    }

    #[test]
    fn an_error_pointing_into_a_definition_names_it_and_its_line() {
        let source = Source::parse(FILE).unwrap();
        let m = misfit("mismatched types (expected `f32`, found `f64`)", &[3, 5]);
        let line = test_line(&m, &["Net::train".into()], &source, "src/lib.rs").unwrap();
        assert!(
            line.starts_with(
                "Not graded: the grader's call to your `train` (src/lib.rs line 3) does not \
                 compile: mismatched types (expected `f32`, found `f64`)."
            ),
            "{line}"
        );
        // Another test's function is not blamed.
        assert_eq!(
            test_line(&m, &["sigmoid".into()], &source, "src/lib.rs"),
            None
        );
    }

    #[test]
    fn a_missing_function_is_named_without_a_line() {
        let source = Source::parse(FILE).unwrap();
        let m = misfit(
            "cannot find function `sigmoid_derivative` in module `lab`",
            &[],
        );
        let line = test_line(&m, &["sigmoid_derivative".into()], &source, "src/lib.rs").unwrap();
        assert!(
            line.starts_with(
                "Not graded: the grader calls your `sigmoid_derivative`, and the compiler says: \
                 cannot find function `sigmoid_derivative` in your file."
            ),
            "{line}"
        );
        assert_eq!(
            test_line(&m, &["sigmoid".into()], &source, "src/lib.rs"),
            None
        );
    }

    #[test]
    fn a_method_is_named_with_its_type() {
        let source = Source::parse(FILE).unwrap();
        let m = misfit(
            "no function or associated item named `forward` found for struct `ReLU` in the \
             current scope",
            &[],
        );
        let blamed = |f: &str| test_line(&m, &[f.into()], &source, "src/lib.rs").is_some();
        assert!(blamed("ReLU::forward"));
        assert!(!blamed("Linear::forward"));
        assert!(!blamed("ReLU::backward"));
    }
}
