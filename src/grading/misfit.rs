//! A student's file that compiles on its own but not with the grader's calls
//! (a changed signature, a renamed function): each test's line says which of
//! its functions the compiler points at, where, and why, so a student need
//! not read the probe's errors to find their own line.

use crate::build::variant::Source;
use crate::build::ApiMisfit;

/// The lab's adapter, to tell which item's call an error in it is in.
pub struct Adapter<'a> {
    /// Its file's name, as the compiler's places give it (`adapter.rs`).
    pub name: &'a str,
    pub text: &'a str,
}

impl Adapter<'_> {
    /// The item whose arm of the adapter's `match item` holds `line` (from 1).
    pub fn item_at(&self, line: usize) -> Option<String> {
        let lines: Vec<&str> = self.text.lines().collect();
        let indent = |l: &str| l.len() - l.trim_start().len();
        let start = lines.iter().position(|l| l.contains("match item {"))?;
        let arms = indent(lines[start]) + 4;
        let mut item = None;
        for (i, l) in lines.iter().enumerate().skip(start + 1) {
            if l.trim().is_empty() {
                continue;
            }
            if indent(l) < arms {
                break; // the match ends
            }
            if indent(l) == arms {
                item = l
                    .trim_start()
                    .strip_prefix('"')
                    .and_then(|r| r.split_once("\" =>"))
                    .map(|(name, _)| name.to_string());
            }
            if i + 1 == line {
                return item;
            }
        }
        None
    }
}

/// The "Not graded" line of a test whose `functions` (the lab's `[items]`
/// entry: `name` or `Type::name`, graded by `item`) one of the compiler's
/// errors is about, or `None` when none is: the error points into one of
/// their definitions in `source` ("method defined here"), names one of
/// them, or lies in `item`'s arm of the `adapter` with nothing of the
/// student's to point at (a parameter's type changed: the grader's argument
/// no longer fits), when the arm calls one of them by name.
pub fn test_line(
    misfit: &ApiMisfit,
    functions: &[String],
    item: Option<(&str, &Adapter)>,
    source: &Source,
    file: &str,
) -> Option<String> {
    own_line(misfit, functions, source, file).or_else(|| {
        let (item, adapter) = item?;
        misfit.errors.iter().find_map(|error| {
            let (name, line) = error.grader_place.as_ref()?;
            if name != adapter.name || adapter.item_at(*line).as_deref() != Some(item) {
                return None;
            }
            let arm = arm_text(adapter.text, item);
            let function = functions.iter().find(|f| {
                let short = f.rsplit("::").next().unwrap_or(f);
                arm.contains(&format!("{short}("))
            })?;
            let short = function.rsplit("::").next().unwrap_or(function);
            // The line of its `fn`, after any doc comment or attribute.
            let def = source.get(function)?;
            let text = &source.text[def.range.start..def.range.end.min(source.text.len())];
            let at = text.find(&format!("fn {short}")).unwrap_or(0);
            let line = line_of(&source.text, def.range.start + at);
            let message = error.message.replace(" in module `lab`", " in your file");
            Some(format!(
                "Not graded: the grader's call to your `{short}` ({file} line {line}) does not \
                 compile: {message}. Keep the handout's name and signature; the compiler's whole \
                 message is in the submission's output."
            ))
        })
    })
}

/// The text of `item`'s arm in the adapter: from its `"item" =>` line to the next arm.
fn arm_text(adapter: &str, item: &str) -> String {
    let lines: Vec<&str> = adapter.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("\"{item}\" =>")))
    else {
        return String::new();
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(lines[start]);
    lines[start..]
        .iter()
        .enumerate()
        .take_while(|(k, l)| *k == 0 || l.trim().is_empty() || indent(l) > own)
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`test_line`] for errors that point at the student's code or name a function.
fn own_line(
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
                grader_place: None,
            }],
        }
    }

    #[test]
    fn an_error_pointing_into_a_definition_names_it_and_its_line() {
        let source = Source::parse(FILE).unwrap();
        let m = misfit("mismatched types (expected `f32`, found `f64`)", &[3, 5]);
        let line = test_line(&m, &["Net::train".into()], None, &source, "src/lib.rs").unwrap();
        assert!(
            line.starts_with(
                "Not graded: the grader's call to your `train` (src/lib.rs line 3) does not \
                 compile: mismatched types (expected `f32`, found `f64`)."
            ),
            "{line}"
        );
        // Another test's function is not blamed.
        assert_eq!(
            test_line(&m, &["sigmoid".into()], None, &source, "src/lib.rs"),
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
        let line = test_line(
            &m,
            &["sigmoid_derivative".into()],
            None,
            &source,
            "src/lib.rs",
        )
        .unwrap();
        assert!(
            line.starts_with(
                "Not graded: the grader calls your `sigmoid_derivative`, and the compiler says: \
                 cannot find function `sigmoid_derivative` in your file."
            ),
            "{line}"
        );
        assert_eq!(
            test_line(&m, &["sigmoid".into()], None, &source, "src/lib.rs"),
            None
        );
    }

    #[test]
    fn an_error_in_an_items_arm_names_the_function_it_calls() {
        const ADAPTER: &str = "pub fn call(item: &str) -> R {\n    Ok(match item {\n        \
            \"sigmoid\" => one(sigmoid(1.0)),\n        \"train\" => {\n            let n = net();\n            \
            n.train(\n                f64_field(x)?,\n            )\n        }\n        \
            other => return Err(other),\n    })\n}\nfn helper() {\n    \"train\" => 1\n}\n";
        let adapter = Adapter {
            name: "adapter.rs",
            text: ADAPTER,
        };
        assert_eq!(adapter.item_at(3).as_deref(), Some("sigmoid"));
        assert_eq!(adapter.item_at(7).as_deref(), Some("train"));
        assert_eq!(adapter.item_at(10), None);
        assert_eq!(adapter.item_at(14), None);
        let source = Source::parse(FILE).unwrap();
        let mut m = misfit(
            "`?` operator has incompatible types (expected `f32`, found `f64`)",
            &[],
        );
        m.errors[0].grader_place = Some(("adapter.rs".into(), 7));
        let line = |f: &str, item: &str| {
            test_line(
                &m,
                &[f.into()],
                Some((item, &adapter)),
                &source,
                "src/lib.rs",
            )
        };
        let said = line("Net::train", "train").unwrap();
        assert!(
            said.starts_with(
                "Not graded: the grader's call to your `train` (src/lib.rs line 3) does not \
                 compile: `?` operator has incompatible types (expected `f32`, found `f64`)."
            ),
            "{said}"
        );
        assert_eq!(line("sigmoid", "sigmoid"), None);
    }

    #[test]
    fn a_method_is_named_with_its_type() {
        let source = Source::parse(FILE).unwrap();
        let m = misfit(
            "no function or associated item named `forward` found for struct `ReLU` in the \
             current scope",
            &[],
        );
        let blamed = |f: &str| test_line(&m, &[f.into()], None, &source, "src/lib.rs").is_some();
        assert!(blamed("ReLU::forward"));
        assert!(!blamed("Linear::forward"));
        assert!(!blamed("ReLU::backward"));
    }
}
