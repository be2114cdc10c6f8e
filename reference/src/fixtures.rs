//! Fixture files: one JSON file per case, holding the case's explicit inputs,
//! where they came from, and the reference's expected output for every item.
//! Written deterministically (sorted keys, shortest round-trip floats), so
//! regenerating them is byte-identical unless the reference changed.

#[cfg(feature = "solutions")]
use crate::labs::LabReference;
#[cfg(feature = "solutions")]
use serde_json::json;
use serde_json::{Map, Value};

/// Version of the fixture format; the grader refuses other versions.
pub const FORMAT: u64 = 1;

/// Every fixture file of a lab, as `(file name, contents)`, in case order.
#[cfg(feature = "solutions")]
pub fn generate(lab: &LabReference) -> Result<Vec<(String, String)>, String> {
    (lab.cases)()
        .into_iter()
        .map(|case| {
            let mut expected = Map::new();
            for item in case.items.unwrap_or(lab.items) {
                let out = (lab.call)(item, &case.inputs)
                    .map_err(|e| format!("{} case {}: item {item}: {e}", lab.name, case.id))?;
                expected.insert(item.to_string(), out);
            }
            let mut file = json!({
                "format": FORMAT,
                "lab": lab.name,
                "case": case.id,
                "description": case.description,
                "origin": case.origin,
                "inputs": case.inputs,
                "expected": expected,
            });
            if !case.truth.is_null() {
                file["truth"] = case.truth;
            }
            let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
            text.push('\n');
            Ok((format!("{}.json", case.id), text))
        })
        .collect()
}

/// Reads a fixture value that must be an object, for the grader's checks.
pub fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} must be an object"))
}
