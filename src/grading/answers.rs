//! Written answers: a TOML file of the student's (`key = value`, the lab's
//! `[answers]`), read as data and never compiled or run, whose keys are the
//! outputs of one graded item. The reference computes the expected values
//! from each question's data (`grade fixtures`); tests compare them like any
//! other output, usually with `compare = "rounded"` or `"exact"`.
//!
//! The file is an upload file: found and read on `submission`'s terms (no
//! link, no special file, capped). Whatever is wrong with it costs only the
//! written tests; the code is graded all the same.

use crate::grading::submission;
use reference::wire::from_f64;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// Answers files are a few dozen short lines; a larger one is refused.
pub const MAX_ANSWERS_BYTES: u64 = 64 << 10;

/// What the student's answers file gave.
#[derive(Debug)]
pub struct Answers {
    /// The answers by key, or why there are none (for the student).
    pub outputs: Result<Value, String>,
    /// Where the file was found, relative to the upload.
    pub found_at: Option<String>,
    /// Keys that are no question of the lab (misspelt, or made up).
    pub unknown: Vec<String>,
    /// Keys whose value is of no kind an answer can be (a date, a table).
    pub unusable: Vec<String>,
}

impl Answers {
    /// A line for the student about keys that were not graded, if any.
    pub fn note(&self, file: &str) -> Option<String> {
        let mut parts = Vec::new();
        if !self.unknown.is_empty() {
            parts.push(format!(
                "{file}: {} {} no question of this lab and {} not graded (check the spelling \
                 against the handout's {file})",
                list(&self.unknown),
                if self.unknown.len() == 1 { "is" } else { "are" },
                if self.unknown.len() == 1 {
                    "was"
                } else {
                    "were"
                },
            ));
        }
        if !self.unusable.is_empty() {
            parts.push(format!(
                "{file}: {} cannot be read as an answer (write a number, or text in quotes)",
                list(&self.unusable)
            ));
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }
}

fn list(keys: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut text = keys
        .iter()
        .take(SHOWN)
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > SHOWN {
        text.push_str(&format!(" and {} more", keys.len() - SHOWN));
    }
    text
}

/// Finds and reads the answers file `file` (e.g. `answers.toml`) in `upload`,
/// next to the student's code; `known` are the keys the rubric grades.
pub fn read(upload: &Path, file: &str, known: &BTreeSet<String>) -> Answers {
    let name = Path::new(file)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(file);
    let none = |why: String| Answers {
        outputs: Err(why),
        found_at: None,
        unknown: Vec::new(),
        unusable: Vec::new(),
    };
    // A bare file uploaded alone is the code; it holds no answers.
    if !upload.is_dir() || upload.is_symlink() {
        return none(format!(
            "the answers file was not found: upload the whole crate, with {file} next to src/"
        ));
    }
    let found = match submission::find(upload, name) {
        Ok(found) => found,
        Err(why) => {
            return none(format!(
                "the answers file was not found ({why}); fill in the handout's {file} and \
                 upload it with your code"
            ))
        }
    };
    if found.source.len() as u64 > MAX_ANSWERS_BYTES {
        return none(format!(
            "the answers file {} is {} bytes, more than the {} an answers file may be",
            found.found_at,
            found.source.len(),
            MAX_ANSWERS_BYTES
        ));
    }
    let mut answers = parse(&found.source, &found.found_at, known);
    answers.found_at = Some(found.found_at);
    answers
}

/// The answers in `text` (a TOML document), by key.
pub fn parse(text: &str, shown: &str, known: &BTreeSet<String>) -> Answers {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            return Answers {
                outputs: Err(format!(
                    "the answers file {shown} is not valid TOML: {}",
                    crate::lab::one_line(e.message())
                )),
                found_at: None,
                unknown: Vec::new(),
                unusable: Vec::new(),
            }
        }
    };
    let mut outputs = Map::new();
    let (mut unknown, mut unusable) = (Vec::new(), Vec::new());
    for (key, value) in table {
        if !known.contains(&key) {
            unknown.push(key);
            continue;
        }
        match answer(&value) {
            // An empty answer is the template's placeholder: not answered.
            Some(Value::String(s)) if s.trim().is_empty() => {}
            Some(v) => {
                outputs.insert(key, v);
            }
            None => unusable.push(key),
        }
    }
    Answers {
        outputs: Ok(Value::Object(outputs)),
        found_at: None,
        unknown,
        unusable,
    }
}

/// One answer as the comparison reads it: a number, text, or a list of
/// either (a "select all that apply" answer, sorted: order is no part of it).
fn answer(value: &toml::Value) -> Option<Value> {
    match value {
        toml::Value::Integer(i) => Some(Value::from(*i)),
        toml::Value::Float(x) => Some(from_f64(*x)),
        toml::Value::String(s) => Some(Value::String(s.clone())),
        toml::Value::Boolean(b) => Some(Value::String(b.to_string())),
        toml::Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(answer).collect::<Option<_>>()?;
            if items.iter().all(Value::is_string) {
                items.sort_by_key(|v| v.as_str().unwrap_or("").trim().to_lowercase());
            }
            Some(Value::Array(items))
        }
        toml::Value::Datetime(_) | toml::Value::Table(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeSet<String> {
        ["a1", "class", "statements", "loss"]
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn answers_are_read_by_key_and_the_rest_is_named() {
        let a = parse(
            "a1 = 0.5477\nclass = 3\nstatements = [\"D\", \"b\"]\nloss = \"\"\nz9 = 1\nwhen = 1979-05-27\n",
            "answers.toml",
            &known(),
        );
        let outputs = a.outputs.as_ref().unwrap();
        assert_eq!(outputs["a1"], 0.5477);
        assert_eq!(outputs["class"], 3);
        assert_eq!(outputs["statements"], serde_json::json!(["b", "D"]));
        assert!(
            outputs.get("loss").is_none(),
            "an empty answer is no answer"
        );
        assert_eq!(a.unknown, ["when", "z9"]);
        let note = a.note("answers.toml").unwrap();
        assert!(
            note.contains("`when`, `z9` are no question of this lab"),
            "{note}"
        );
        assert!(!note.contains("cannot be read"), "{note}");
    }

    #[test]
    fn malformed_toml_says_where() {
        let a = parse("a1 = 0.5477\nclass = = 3\n", "answers.toml", &known());
        let why = a.outputs.unwrap_err();
        assert!(
            why.starts_with("the answers file answers.toml is not valid TOML: "),
            "{why}"
        );
        assert!(!why.contains('\n'), "{why}");
    }

    #[test]
    fn a_deeply_nested_value_is_refused_without_harm() {
        // 20,000 nested arrays: the parser must refuse it, not overflow its stack.
        let text = format!("a1 = {}1{}\n", "[".repeat(20_000), "]".repeat(20_000));
        let a = parse(&text, "answers.toml", &known());
        assert!(a.outputs.is_err() || a.unusable.is_empty());
    }
}
