//! Reading `fixtures/<lab>/<case>.json` (written by `grade fixtures`).

use anyhow::{bail, Context, Result};
use reference::fixtures::FORMAT;
use serde_json::{Map, Value};
use std::path::Path;

#[derive(Debug)]
pub struct Case {
    pub id: String,
    pub description: String,
    pub inputs: Value,
    /// item -> (output name -> expected value)
    pub expected: Map<String, Value>,
    /// item -> (output name -> what a `measure` takes that output against:
    /// labels, originals). Only the grader reads it; the probe never sees it.
    pub truth: Map<String, Value>,
}

impl Case {
    /// The truth `output` of `item` is measured against, if the case has one.
    pub fn truth_of(&self, item: &str, output: &str) -> Option<&Value> {
        self.truth.get(item)?.get(output)
    }
}

pub fn load(dir: &Path, lab: &str, id: &str) -> Result<Case> {
    let path = dir.join(format!("{id}.json"));
    let shown = path.display();
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read fixture {shown}; regenerate fixtures with `grade fixtures --lab {lab}`"
        )
    })?;
    // serde_json is built with `float_roundtrip`: every f64 reads back bit for bit.
    let mut v: Value = serde_json::from_str(&text).with_context(|| {
        format!("{shown} is not valid JSON; regenerate it with `grade fixtures --lab {lab}`")
    })?;
    let format = v.get("format").and_then(Value::as_u64);
    if format != Some(FORMAT) {
        bail!("{shown}: fixture format {format:?}, this grader reads {FORMAT}; regenerate with `grade fixtures --lab {lab}`");
    }
    for (key, want) in [("lab", lab), ("case", id)] {
        let found = v.get(key).and_then(Value::as_str).unwrap_or("");
        if found != want {
            bail!("{shown}: \"{key}\" is \"{found}\", expected \"{want}\"");
        }
    }
    let take = |v: &mut Value, key: &str| v.get_mut(key).map(Value::take);
    let inputs = take(&mut v, "inputs").filter(Value::is_object);
    let expected = match take(&mut v, "expected") {
        Some(Value::Object(m)) => m,
        _ => bail!("{shown}: \"expected\" must be an object of items"),
    };
    let Some(inputs) = inputs else {
        bail!("{shown}: \"inputs\" must be an object");
    };
    let truth = match take(&mut v, "truth") {
        None => Map::new(),
        Some(Value::Object(m)) if m.values().all(Value::is_object) => m,
        Some(_) => bail!("{shown}: \"truth\" must be an object of items, each of outputs"),
    };
    Ok(Case {
        id: id.to_string(),
        description: v
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        inputs,
        expected,
        truth,
    })
}
