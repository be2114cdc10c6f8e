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
            let function = call_at(adapter.text, item, *line, functions)?;
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

/// Which of `functions` the compiler's error at `line` (from 1) of the
/// adapter, inside `item`'s arm, is about: the call to one of them still
/// open at that line (an argument that no longer fits, or the call itself),
/// else one whose `let` binding that line uses (a return type that no
/// longer fits). `None` when neither: nothing is blamed on a guess.
fn call_at<'f>(
    adapter: &str,
    item: &str,
    line: usize,
    functions: &'f [String],
) -> Option<&'f String> {
    let lines: Vec<&str> = adapter.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("\"{item}\" =>")))?;
    if line == 0 || line - 1 < start || line > lines.len() {
        return None;
    }
    let error_line = lines[line - 1];
    // The arm up to the error's line, with where each line starts.
    let text = lines[start..line].join("\n");
    let error_from = text.len() - error_line.len();
    let mut open: Option<(usize, &String)> = None;
    let mut bound: Option<(usize, &String)> = None;
    for f in functions {
        for at in calls_of(&text, f) {
            // Open: its own `(` is not closed by the end of the error's line.
            let mut depth = 0i32;
            let closed = text[at..].chars().any(|c| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            });
            if (!closed || at >= error_from) && open.is_none_or(|(p, _)| at > p) {
                open = Some((at, f));
            }
            let line_start = text[..at].rfind('\n').map_or(0, |k| k + 1);
            let binding = text[line_start..at]
                .trim_start()
                .strip_prefix("let ")
                .and_then(|rest| rest.split(['=', ':']).next())
                .map(|name| name.trim().trim_start_matches("mut ").trim());
            let uses = binding.is_some_and(|name| {
                !name.is_empty() && at < error_from && uses_name(error_line, name)
            });
            if uses && bound.is_none_or(|(p, _)| at > p) {
                bound = Some((at, f));
            }
        }
    }
    open.or(bound).map(|(_, f)| f)
}

/// Where `text` calls `function` (`name` or `Type::name`): at each call's
/// `(`. A method is called as `.name(` or `Type::name(`; a free function
/// as `name(` after no identifier character and no `.`.
fn calls_of(text: &str, function: &str) -> Vec<usize> {
    let short = function.rsplit("::").next().unwrap_or(function);
    let pattern = format!("{short}(");
    let method = function.contains("::");
    let mut found = Vec::new();
    for (at, _) in text.match_indices(&pattern) {
        let before = text[..at].chars().next_back();
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        let fits = if method {
            before == Some('.') || text[..at].ends_with(&format!("{}::", type_of(function)))
        } else {
            before.is_none_or(|c| !ident(c) && c != '.')
        };
        if fits {
            found.push(at + pattern.len() - 1);
        }
    }
    found
}

/// `Type` of `Type::name`.
fn type_of(function: &str) -> &str {
    function
        .rsplit_once("::")
        .map_or("", |(t, _)| t.rsplit("::").next().unwrap_or(t))
}

/// Whether `line` uses the identifier `name` (not as part of a longer one).
fn uses_name(line: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(name).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
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

    /// An arm of modular's adapter as it stands, and its graded functions.
    const ARM: &str = "    match item {
        \"sigmoid\" => {
            let mut module = Sigmoid::default();
            for c in calls(spec)? {
                let output = module.forward(&x);
                let grad_input = module.backward(&tensor_field(c, \"grad_output\")?);
            }
            let function = sigmoid(&x_last.ok_or(\"no calls\")?);
            outputs([
                (\"sigmoid\", from_tensor(&function)),
            ])
        }
        \"train_network\" => {
            let h = super::lab::train_network(
                &mut model,
                f64_field(spec, \"learning_rate\")?,
            );
        }
    }";

    fn graded() -> Vec<String> {
        [
            "Sigmoid::forward",
            "Sigmoid::backward",
            "sigmoid",
            "train_network",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn an_error_is_blamed_on_the_call_it_is_in_or_the_binding_it_uses() {
        let fs = graded();
        let line = |needle: &str| 1 + ARM.lines().position(|l| l.contains(needle)).unwrap();
        let at = |needle: &str, item: &str| call_at(ARM, item, line(needle), &fs).cloned();
        // A changed return type: the error is where the result is used.
        assert_eq!(
            at("from_tensor(&function)", "sigmoid").as_deref(),
            Some("sigmoid")
        );
        // A changed parameter: inside the call, or at the call itself.
        let lr = "f64_field(spec, \"learning_rate\")";
        assert_eq!(at(lr, "train_network").as_deref(), Some("train_network"));
        assert_eq!(
            at("let h =", "train_network").as_deref(),
            Some("train_network")
        );
        assert_eq!(
            at("module.backward(", "sigmoid").as_deref(),
            Some("Sigmoid::backward")
        );
        assert_eq!(
            at("module.forward(", "sigmoid").as_deref(),
            Some("Sigmoid::forward")
        );
        // Asked of one function at a time (as isolated credit asks): a call
        // closed before the error's line is not blamed for it.
        let forward = ["Sigmoid::forward".to_string()];
        assert_eq!(
            call_at(ARM, "sigmoid", line("from_tensor(&function)"), &forward),
            None
        );
        // A line that neither calls nor uses one: nothing is blamed.
        assert_eq!(at("Sigmoid::default()", "sigmoid"), None);
    }

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
