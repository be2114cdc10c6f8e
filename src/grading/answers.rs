//! Written answers: a TOML file of the student's (`key = value`, the lab's
//! `[answers]`), read as data and never compiled or run, whose keys are the
//! outputs of one graded item. The reference computes the expected values
//! from each question's data (`grade fixtures`); tests compare them like any
//! other output, usually with `compare = "rounded"` or `"exact"`.
//!
//! The file is an upload file: found and read on `submission`'s terms (no
//! link, no special file, capped). Whatever is wrong with it costs only the
//! written tests; the code is graded all the same.
//!
//! An answer is read for its question ([`reading`]): people type numbers into
//! the template's `""`, so text that is unambiguously a number is read as one
//! where a number is asked (and an integer as text where text is asked), with
//! a line saying so. Any other answer of the wrong kind is named with the
//! kind expected, quoting only the student's own text, never the expected
//! value, so hidden questions say it too.

use crate::grading::compare::unit_hint;
use crate::grading::numbers::num;
use crate::grading::submission;
use crate::lab::rubric::Unit;
use crate::report::untrusted::quote;
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

/// How a written answer is taken for one question.
#[derive(Debug, PartialEq)]
pub enum Reading {
    /// Compared as written.
    AsWritten,
    /// Compared as `value`, another kind than written; `note` says so.
    Read { value: Value, note: String },
    /// Not an answer this question can take: `why` quotes only the answer
    /// (safe for a hidden question), and `hint` is the question's unit when
    /// the answer is in another.
    Refused { why: String, hint: Option<String> },
}

/// How `got` is read for a question whose expected answer is `expected` (its
/// kind is what counts: a number, text or a list) and whose number is in
/// `unit`, if the rubric says.
pub fn reading(expected: &Value, got: &Value, unit: Option<Unit>) -> Reading {
    let refused = |expected_kind: &str| Reading::Refused {
        why: format!("expected {expected_kind}, got {}", described(got)),
        hint: None,
    };
    match (expected, got) {
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Array(_), Value::Array(_)) => Reading::AsWritten,
        (Value::Number(_), Value::String(text)) => {
            if let Some(x) = number_in(text) {
                return Reading::Read {
                    value: from_f64(x),
                    note: format!(
                        "read {} as the number {}; next time write it without quotes",
                        quote(text),
                        num(x)
                    ),
                };
            }
            let Some(p) = percentage_in(text) else {
                return refused("a number");
            };
            match unit {
                Some(Unit::Percent) => Reading::Read {
                    value: from_f64(p),
                    note: format!(
                        "read {} as {} per cent; next time write the number alone, without \
                         quotes or %",
                        quote(text),
                        num(p)
                    ),
                },
                // Wrong as written, whatever its value: the question asks
                // for a share, not per cent.
                Some(Unit::Fraction) => Reading::Refused {
                    why: format!("read {} as {} per cent", quote(text), num(p)),
                    hint: unit_hint(Unit::Fraction, p, true),
                },
                // Per cent of what, unknown: not a number this question reads.
                None => refused("a number"),
            }
        }
        // An integer reads as its digits, unambiguously: a class named "3".
        (Value::String(_), Value::Number(n)) if n.is_i64() || n.is_u64() => Reading::Read {
            value: Value::String(n.to_string()),
            note: format!("read {n} as the text \"{n}\"; next time write it in quotes"),
        },
        (Value::String(_), _) => refused("text (in quotes)"),
        (Value::Number(_), _) => refused("a number"),
        (Value::Array(_), _) => refused("a list (in [ ])"),
        // Matrices and the like: no written answer is one; compared as is.
        _ => Reading::AsWritten,
    }
}

/// The number a text answer unambiguously is: what Rust's f64 parser accepts
/// once surrounding whitespace is trimmed, when finite. "1,5", "3/4",
/// "about 2", "0x10", "1_000", "nan" and "inf" are none.
pub fn number_in(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The number of a percentage written as text ("87.5%", " 87.5 % "), in per
/// cent.
fn percentage_in(text: &str) -> Option<f64> {
    number_in(text.trim().strip_suffix('%')?)
}

/// An answer in words for feedback, quoting the student's text (bounded).
fn described(got: &Value) -> String {
    match got {
        Value::String(text) => format!("text {}", quote(text)),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => format!("the number {}", num(x)),
            _ => format!("the number {n}"),
        },
        Value::Array(items) => format!("a list of {}", items.len()),
        Value::Bool(b) => format!("{b}"),
        Value::Null => "nothing".into(),
        Value::Object(_) => "a table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_as_number(text: &str) -> Reading {
        reading(&json!(0.5), &json!(text), None)
    }

    #[test]
    fn text_that_is_unambiguously_a_number_is_read_as_one() {
        for (text, x, shown) in [
            ("-3", -3.0, "-3"),
            ("0.5477", 0.5477, "0.5477"),
            (" 1e-3 ", 0.001, "0.001"),
            ("-0.25", -0.25, "-0.25"),
        ] {
            let Reading::Read { value, note } = read_as_number(text) else {
                panic!("{text}: not read");
            };
            assert_eq!(value, json!(x), "{text}");
            assert_eq!(
                note,
                format!("read {text:?} as the number {shown}; next time write it without quotes")
            );
        }
        for text in [
            "1,5",
            "3/4",
            "about 2",
            "nan",
            "NaN",
            "inf",
            "-infinity",
            "0x10",
            "1_000",
            "1e999",
            "2 3",
            "",
        ] {
            let Reading::Refused { why, hint } = read_as_number(text) else {
                panic!("{text}: read as a number");
            };
            assert_eq!(why, format!("expected a number, got text {text:?}"));
            assert_eq!(hint, None);
        }
    }

    #[test]
    fn text_stays_text_and_an_integer_reads_as_its_digits() {
        assert_eq!(
            reading(&json!("tanh"), &json!("3"), None),
            Reading::AsWritten
        );
        let Reading::Read { value, note } = reading(&json!("tanh"), &json!(3), None) else {
            panic!("an integer where text is asked");
        };
        assert_eq!(value, json!("3"));
        assert_eq!(
            note,
            "read 3 as the text \"3\"; next time write it in quotes"
        );
        // A float's digits as typed are gone once parsed: which text it was is not known.
        assert_eq!(
            reading(&json!("tanh"), &json!(0.5), None),
            Reading::Refused {
                why: "expected text (in quotes), got the number 0.5".into(),
                hint: None
            }
        );
        assert_eq!(
            reading(&json!(["a"]), &json!("a"), None),
            Reading::Refused {
                why: "expected a list (in [ ]), got text \"a\"".into(),
                hint: None
            }
        );
    }

    #[test]
    fn a_percentage_is_read_in_per_cent_and_refused_for_a_fraction() {
        let Reading::Read { value, .. } =
            reading(&json!(87.5), &json!(" 87.5 %"), Some(Unit::Percent))
        else {
            panic!("a percentage for a percentage");
        };
        assert_eq!(value, json!(87.5));
        // A share written in per cent is wrong as written, even "0.9%" where 0.9 is right.
        for text in ["87.5%", "0.9%"] {
            let Reading::Refused { why, hint } =
                reading(&json!(0.9), &json!(text), Some(Unit::Fraction))
            else {
                panic!("{text}: accepted");
            };
            assert!(why.starts_with(&format!("read {text:?} as ")), "{why}");
            assert_eq!(
                hint.as_deref(),
                Some("this question asks for a fraction between 0 and 1, not a percentage")
            );
        }
        assert!(matches!(
            reading(&json!(0.9), &json!("87.5%"), None),
            Reading::Refused { hint: None, .. }
        ));
    }

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
