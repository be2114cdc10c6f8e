//! Comparing a student's outputs with the expected ones, structurally and
//! within tolerance, and saying precisely where they differ. Answers are
//! validated here too: wrong kinds, wrong shapes and non-finite numbers are
//! reported, never compared.

use approx::relative_eq;
use reference::wire::{kind, to_f64, to_tensor};
use serde_json::Value;

#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

/// Where and how an output differs from the expected one.
#[derive(Debug, PartialEq)]
pub struct Mismatch {
    /// e.g. `dc_dw[1]`
    pub path: String,
    /// Full detail, for visible cases.
    pub detail: String,
    /// No values or shapes, for hidden cases.
    pub summary: String,
}

pub fn compare(expected: &Value, got: &Value, path: &str, tol: Tolerance) -> Result<(), Mismatch> {
    let fail = |detail: String, summary: &str| {
        Err(Mismatch {
            path: path.to_string(),
            detail,
            summary: summary.to_string(),
        })
    };
    if is_tensor(expected) {
        let Ok(want) = to_tensor(expected) else {
            return fail("the fixture's matrix is malformed".into(), "fixture error");
        };
        let have = match to_tensor(got) {
            Ok(t) => t,
            Err(e) => {
                return fail(
                    format!("expected a matrix, got {} ({e})", describe(got)),
                    "wrong type",
                )
            }
        };
        if want.dim() != have.dim() {
            let (w, h) = (want.dim(), have.dim());
            let hint = if (w.1, w.0) == h {
                " (transposed?)"
            } else {
                ""
            };
            return fail(
                format!("expected shape {w:?}, got {h:?}{hint}"),
                "wrong shape",
            );
        }
        let values = |a: &ndarray::Array2<f64>| a.iter().copied().collect::<Vec<f64>>();
        return compare_values(&values(&want), &values(&have), want.ncols(), tol)
            .or_else(|(detail, summary)| fail(detail, summary));
    }
    match expected {
        Value::Array(want) => {
            let Value::Array(have) = got else {
                return fail(
                    format!("expected a list of {}, got {}", want.len(), describe(got)),
                    "wrong type",
                );
            };
            if want.len() != have.len() {
                return fail(
                    format!("expected {} entries, got {}", want.len(), have.len()),
                    "wrong length",
                );
            }
            if want.iter().all(Value::is_number) {
                let Ok(have) = have.iter().map(to_f64).collect::<Result<Vec<f64>, _>>() else {
                    return fail("expected a list of numbers".into(), "wrong type");
                };
                let want: Vec<f64> = want.iter().filter_map(|v| v.as_f64()).collect();
                return compare_values(&want, &have, 0, tol).or_else(|(d, s)| fail(d, s));
            }
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                compare(w, h, &format!("{path}[{i}]"), tol)?;
            }
            Ok(())
        }
        Value::Number(_) => {
            let Ok(h) = to_f64(got) else {
                return fail(
                    format!("expected a number, got {}", describe(got)),
                    "wrong type",
                );
            };
            let w = expected.as_f64().unwrap_or(f64::NAN);
            compare_values(&[w], &[h], 0, tol).or_else(|(d, s)| fail(d, s))
        }
        _ if expected == got => Ok(()),
        _ => fail(
            format!("expected {expected}, got {}", describe(got)),
            "wrong value",
        ),
    }
}

fn is_tensor(v: &Value) -> bool {
    v.get("shape").is_some() && v.get("data").is_some()
}

fn describe(v: &Value) -> String {
    if is_tensor(v) {
        return "a matrix".into();
    }
    match v {
        Value::Array(a) => format!("a list of {}", a.len()),
        Value::String(s) if to_f64(v).is_ok() => format!("the number {s}"),
        _ => kind(v).to_string(),
    }
}

/// Element-wise comparison of flat values; `cols` > 0 reports matrix indices.
fn compare_values(
    want: &[f64],
    have: &[f64],
    cols: usize,
    tol: Tolerance,
) -> Result<(), (String, &'static str)> {
    let index = |i: usize| {
        if let Some(row) = i.checked_div(cols) {
            format!("[{row}, {}]", i % cols)
        } else if want.len() > 1 {
            format!("[{i}]")
        } else {
            String::new()
        }
    };
    if let Some(i) = have.iter().position(|h| !h.is_finite()) {
        return Err((
            format!("got {} at {} (expected {})", have[i], index(i), want[i]),
            "non-finite value",
        ));
    }
    let wrong: Vec<usize> = (0..want.len())
        .filter(|&i| {
            !relative_eq!(
                have[i],
                want[i],
                epsilon = tol.atol,
                max_relative = tol.rtol
            )
        })
        .collect();
    let Some(&first) = wrong.first() else {
        return Ok(());
    };
    if want.len() == 1 {
        return Err((
            format!("expected {}, got {}", want[0], have[0]),
            "wrong value",
        ));
    }
    let max_abs = (0..want.len())
        .map(|i| (have[i] - want[i]).abs())
        .fold(0.0, f64::max);
    let max_rel = (0..want.len())
        .map(|i| {
            (have[i] - want[i]).abs() / want[i].abs().max(have[i].abs()).max(f64::MIN_POSITIVE)
        })
        .fold(0.0, f64::max);
    Err((
        format!(
            "{} of {} values differ; max abs error {max_abs:.3e}, max rel error {max_rel:.3e}; \
             first at {}: expected {}, got {}",
            wrong.len(),
            want.len(),
            index(first),
            want[first],
            have[first]
        ),
        "wrong values",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use reference::wire::{from_f64, from_tensor, from_tensors};

    const TOL: Tolerance = Tolerance {
        rtol: 1e-7,
        atol: 1e-12,
    };

    #[test]
    fn equal_within_tolerance_passes() {
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        let b = &a * (1.0 + 1e-9);
        assert_eq!(
            compare(&from_tensor(&a), &from_tensor(&b), "value", TOL),
            Ok(())
        );
    }

    #[test]
    fn a_difference_names_count_errors_and_first_index() {
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        let mut b = a.clone();
        b[[1, 0]] = 3.5;
        let m = compare(&from_tensor(&a), &from_tensor(&b), "value", TOL).unwrap_err();
        assert_eq!(m.path, "value");
        assert!(
            m.detail
                .starts_with("1 of 4 values differ; max abs error 5.000e-1"),
            "{}",
            m.detail
        );
        assert!(
            m.detail.ends_with("first at [1, 0]: expected 3, got 3.5"),
            "{}",
            m.detail
        );
        assert_eq!(m.summary, "wrong values");
    }

    #[test]
    fn a_transposed_answer_is_called_that() {
        let a = array![[1.0, 2.0, 3.0]];
        let m = compare(&from_tensor(&a), &from_tensor(&a.t().to_owned()), "v", TOL).unwrap_err();
        assert_eq!(m.detail, "expected shape (1, 3), got (3, 1) (transposed?)");
    }

    #[test]
    fn lists_of_matrices_report_the_element() {
        let a = vec![array![[1.0]], array![[2.0]]];
        let b = vec![array![[1.0]], array![[2.5]]];
        let m = compare(&from_tensors(&a), &from_tensors(&b), "dc_dw", TOL).unwrap_err();
        assert_eq!(m.path, "dc_dw[1]");
    }

    #[test]
    fn nan_is_reported_not_compared() {
        let m = compare(&from_f64(1.0), &from_f64(f64::NAN), "cost", TOL).unwrap_err();
        assert_eq!(m.summary, "non-finite value");
    }

    #[test]
    fn a_wrong_kind_is_reported() {
        let a = array![[1.0]];
        let m = compare(&from_tensor(&a), &serde_json::json!(1.0), "v", TOL).unwrap_err();
        assert_eq!(m.summary, "wrong type");
    }
}
