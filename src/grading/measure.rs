//! Measures (rubric `measure = ...`): numbers the grader computes from a
//! probe's raw answer and the case's truth, which the probe never sees. An
//! accuracy is counted here from the predicted classes and the held-out
//! labels, an error from a reconstruction and the originals: never taken
//! from the student's process, where any number can be made up.
//!
//! The reference's number is the same measure of the reference's answer
//! (the fixture's expected output) against the same truth, so the rubric's
//! bound (`at_least` the reference's accuracy less a margin) is computed
//! once, the same way for both.

use crate::grading::numbers::{num, round_for_people};
use crate::lab::rubric::Measure;
use reference::wire::{to_f64, to_tensor};
use serde_json::Value;

/// A measure's value, and its counts when it has some (right of total).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub value: f64,
    pub counts: Option<(usize, usize)>,
}

impl Measured {
    /// In words: `81 % (81 of 100 right)`, `0.0393`.
    pub fn text(&self, measure: Measure) -> String {
        match (measure, self.counts) {
            (Measure::Accuracy, Some((right, total))) => {
                format!("{} ({right} of {total} right)", percent(self.value))
            }
            (Measure::Accuracy, None) => percent(self.value),
            (Measure::MeanSquaredError, _) => num(round_for_people(self.value)),
        }
    }
}

/// `measure` of `answer` against `truth`, or what is wrong with the answer
/// (its kind or shape), in words for the student.
pub fn measure(measure: Measure, answer: &Value, truth: &Value) -> Result<Measured, String> {
    match measure {
        Measure::Accuracy => {
            let (want, have) = (
                truth.as_array().ok_or("the truth is not a list")?,
                answer
                    .as_array()
                    .ok_or_else(|| format!("expected a list of {} classes", list_len(truth)))?,
            );
            if want.len() != have.len() || want.is_empty() {
                return Err(format!(
                    "expected one class per example ({}), got {}",
                    want.len(),
                    have.len()
                ));
            }
            let mut right = 0;
            for (w, h) in want.iter().zip(have) {
                let w = to_f64(w).map_err(|_| "the truth holds something other than classes")?;
                let h = to_f64(h)
                    .ok()
                    .filter(|h| h.is_finite())
                    .ok_or("expected one class (a whole number) per example")?;
                right += usize::from(w == h);
            }
            Ok(Measured {
                value: right as f64 / want.len() as f64,
                counts: Some((right, want.len())),
            })
        }
        Measure::MeanSquaredError => {
            let want = to_tensor(truth).map_err(|e| format!("the truth is not a matrix: {e}"))?;
            let have = to_tensor(answer).map_err(|_| "expected a matrix".to_string())?;
            if want.dim() != have.dim() {
                return Err(format!(
                    "expected shape {:?}, got {:?}",
                    want.dim(),
                    have.dim()
                ));
            }
            if have.iter().any(|x| !x.is_finite()) {
                return Err("the answer holds non-finite values".into());
            }
            let n = want.len().max(1) as f64;
            let sum: f64 = want
                .iter()
                .zip(have.iter())
                .map(|(w, h)| (h - w) * (h - w))
                .sum();
            Ok(Measured {
                value: sum / n,
                counts: None,
            })
        }
    }
}

fn list_len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

/// A share as a percentage people read: `92.89 %`.
pub fn percent(share: f64) -> String {
    let p = (share * 10000.0).round() / 100.0;
    let text = format!("{p:.2}");
    format!("{} %", text.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reference::wire::from_tensor;
    use serde_json::json;

    #[test]
    fn accuracy_counts_the_classes_equal_to_the_labels() {
        let m = measure(
            Measure::Accuracy,
            &json!([1, 2, 3, 4]),
            &json!([1, 2, 0, 4]),
        )
        .unwrap();
        assert_eq!(m.value, 0.75);
        assert_eq!(m.text(Measure::Accuracy), "75 % (3 of 4 right)");
        for wrong in [json!([1, 2]), json!("1, 2, 3, 4"), json!([1, 2, 3, null])] {
            assert!(measure(Measure::Accuracy, &wrong, &json!([1, 2, 0, 4])).is_err());
        }
    }

    #[test]
    fn the_mean_squared_error_is_over_every_entry() {
        let truth = from_tensor(&ndarray::array![[0.0, 1.0], [2.0, 3.0]]);
        let answer = from_tensor(&ndarray::array![[0.0, 1.0], [2.0, 5.0]]);
        let m = measure(Measure::MeanSquaredError, &answer, &truth).unwrap();
        assert_eq!(m.value, 1.0);
        let wide = from_tensor(&ndarray::array![[0.0, 1.0, 2.0]]);
        assert!(measure(Measure::MeanSquaredError, &wide, &truth)
            .unwrap_err()
            .contains("shape"));
    }

    #[test]
    fn a_percentage_has_at_most_two_decimals() {
        assert_eq!(percent(0.8), "80 %");
        assert_eq!(percent(418.0 / 450.0), "92.89 %");
    }
}
