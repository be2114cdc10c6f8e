//! Comparing a student's outputs with the expected ones, structurally and
//! within tolerance, and saying precisely where they differ. Answers are
//! validated here too: wrong kinds, wrong shapes and non-finite numbers are
//! reported, never compared (a hidden case's summary names the kind
//! expected, never a shape or a length).
//!
//! Numbers are written in their shortest round-trip form, in scientific
//! notation when very large or small ([`num`]). A failure may carry a
//! generic hint ([`generic_hint`]): a pattern between the student's values
//! and the expected ones (a constant factor, a sign flip, a shifted,
//! reversed or transposed answer, values outside an activation's range).

use crate::grading::numbers::{num, round_for_people};
use crate::lab::rubric::{Bound, Rule, TestSpec, Unit};
use approx::relative_eq;
use ndarray::Array2;
use reference::wire::{kind, to_f64, to_tensor};
use serde_json::Value;

#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
    /// How a number is judged against the expected one.
    pub rule: Rule,
}

impl Tolerance {
    /// Within `rtol`/`atol` of the expected value.
    pub const fn close(rtol: f64, atol: f64) -> Tolerance {
        Tolerance {
            rtol,
            atol,
            rule: Rule::Close,
        }
    }

    /// The comparison a rubric test applies.
    pub fn of(test: &TestSpec) -> Tolerance {
        Tolerance {
            rtol: test.rtol,
            atol: test.atol,
            rule: test.rule(),
        }
    }
}

impl Rule {
    /// The bound the answer is held to, for one-sided rules.
    fn bound(self, want: f64) -> Option<f64> {
        match self {
            Rule::AtLeast(Bound::Fixed(t)) | Rule::AtMost(Bound::Fixed(t)) => Some(t),
            Rule::AtLeast(Bound::Reference { margin }) => Some(want - margin),
            Rule::AtMost(Bound::Reference { margin }) => Some(want + margin),
            _ => None,
        }
    }

    /// What the answer should have been, in words: `0.5477`, `at least 0.91`.
    fn expected_text(self, want: f64) -> String {
        match self {
            Rule::Close | Rule::Exact | Rule::Accuracy => num(want),
            Rule::Rounded { decimals } => {
                format!("{} (to {decimals} decimals)", rounded(want, decimals))
            }
            Rule::AtLeast(_) => format!("at least {}", num(self.bound(want).unwrap_or(want))),
            Rule::AtMost(_) => format!("at most {}", num(self.bound(want).unwrap_or(want))),
        }
    }
}

/// `x` to `decimals` decimals, half away from zero, as text.
fn rounded(x: f64, decimals: u32) -> String {
    let scale = 10f64.powi(decimals as i32);
    let r = (x * scale).round() / scale;
    format!("{r:.prec$}", prec = decimals as usize)
}

/// Where and how an output differs from the expected one.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// e.g. `dc_dw[1]`
    pub path: String,
    /// Full detail, for visible cases.
    pub detail: String,
    /// No values or shapes, for hidden cases.
    pub summary: String,
    /// A pattern in the student's values, if one was recognised.
    pub hint: Option<Hint>,
}

/// A generic hint: what the student's values look like next to the expected ones.
#[derive(Clone, Debug, PartialEq)]
pub struct Hint {
    /// For hidden cases: the pattern's name, no numbers (e.g. "a constant factor?").
    pub name: String,
    /// For visible cases: the pattern with its figures (e.g. "every value is ×2 the expected one").
    pub text: String,
}

/// The case's inputs an item reads element by element: each is shown next
/// to a differing element of an output of the same shape (visible cases only).
pub type ElementInputs = [(String, Array2<f64>)];

pub fn compare(expected: &Value, got: &Value, path: &str, tol: Tolerance) -> Result<(), Mismatch> {
    compare_with_inputs(expected, got, path, tol, &[])
}

/// [`compare`], naming the input element(s) behind the first differing element
/// of a matrix output when `inputs` has some of the output's shape.
pub fn compare_with_inputs(
    expected: &Value,
    got: &Value,
    path: &str,
    tol: Tolerance,
    inputs: &ElementInputs,
) -> Result<(), Mismatch> {
    let fail = |detail: String, summary: &str| {
        Err(Mismatch {
            path: path.to_string(),
            detail,
            summary: summary.to_string(),
            hint: None,
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
                    "wrong type (expected a matrix)",
                )
            }
        };
        if want.dim() != have.dim() {
            let (w, h) = (want.dim(), have.dim());
            return fail(format!("expected shape {w:?}, got {h:?}"), "wrong shape").map_err(
                |mut m: Mismatch| {
                    m.hint = ((w.1, w.0) == h).then(|| Hint {
                        name: "transposed?".into(),
                        text: "transposed? (your shape is the expected one turned around)".into(),
                    });
                    m
                },
            );
        }
        let values = |a: &Array2<f64>| a.iter().copied().collect::<Vec<f64>>();
        let (w, h) = (values(&want), values(&have));
        return compare_values(&w, &h, want.ncols(), tol)
            .or_else(|(mut detail, summary, first)| {
                let behind: Vec<String> = inputs
                    .iter()
                    .filter(|(_, a)| a.dim() == want.dim())
                    .filter_map(|(name, a)| {
                        let x = a.iter().nth(first?)?;
                        Some(format!(
                            "{name}{} = {}",
                            index(first?, want.ncols()),
                            num(*x)
                        ))
                    })
                    .collect();
                if !behind.is_empty() {
                    detail.push_str(&format!(" (for {})", behind.join(", ")));
                }
                fail(detail, summary)
            })
            .map_err(|mut m| {
                m.hint = hint_values(&w, &h, want.ncols(), tol);
                m
            });
    }
    match expected {
        Value::Array(want) => {
            let Value::Array(have) = got else {
                return fail(
                    format!("expected a list of {}, got {}", want.len(), describe(got)),
                    "wrong type (expected a list)",
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
                    return fail(
                        "expected a list of numbers".into(),
                        "wrong type (expected a list of numbers)",
                    );
                };
                let want: Vec<f64> = want.iter().filter_map(|v| v.as_f64()).collect();
                return compare_values(&want, &have, 0, tol)
                    .or_else(|(d, s, _)| fail(d, s))
                    .map_err(|mut m| {
                        m.hint = hint_values(&want, &have, 0, tol);
                        m
                    });
            }
            compare_list(want, have, path, tol)
        }
        Value::Number(_) => {
            let Ok(h) = to_f64(got) else {
                return fail(
                    format!("expected a number, got {}", describe(got)),
                    "wrong type (expected a number)",
                );
            };
            let w = expected.as_f64().unwrap_or(f64::NAN);
            compare_values(&[w], &[h], 0, tol)
                .or_else(|(d, s, _)| fail(d, s))
                .map_err(|mut m| {
                    m.hint = hint_values(&[w], &[h], 0, tol);
                    m
                })
        }
        _ if expected == got => Ok(()),
        // A written choice: what the student typed, trimmed, in any case.
        Value::String(want) if got.as_str().is_some_and(|g| same_choice(want, g)) => Ok(()),
        _ => fail(
            format!("expected {expected}, got {}", describe(got)),
            "wrong value",
        ),
    }
}

fn same_choice(want: &str, got: &str) -> bool {
    want.trim().to_lowercase() == got.trim().to_lowercase()
}

/// A list of matrices (one per layer): every entry is compared, and the
/// last wrong one (nearest the output layer) is reported, naming the others.
fn compare_list(
    want: &[Value],
    have: &[Value],
    path: &str,
    tol: Tolerance,
) -> Result<(), Mismatch> {
    let n = want.len();
    let mut wrong: Vec<(usize, Mismatch)> = (0..n)
        .rev()
        .filter_map(|i| {
            compare(&want[i], &have[i], &format!("{path}[{i}]"), tol)
                .err()
                .map(|m| (i, m))
        })
        .collect();
    if wrong.is_empty() {
        return Ok(());
    }
    let others: Vec<String> = wrong[1..].iter().map(|(_, m)| m.path.clone()).collect();
    let (last, mut m) = wrong.swap_remove(0);
    if n > 1 && last == n - 1 {
        m.path.push_str(" (output layer)");
    }
    if !others.is_empty() {
        m.detail.push_str(&format!(
            "; {} {} wrong too",
            others.join(", "),
            if others.len() == 1 { "is" } else { "are" }
        ));
        // Hidden cases: how many entries would tell the network's depth.
        m.summary.push_str("; other entries are wrong too");
    }
    let reversed = n > 1
        && (0..n).all(|i| compare(&want[n - 1 - i], &have[i], "", tol).is_ok())
        && (0..n).any(|i| compare(&want[i], &have[i], "", tol).is_err());
    if reversed {
        m.hint = Some(Hint {
            name: "in reverse order?".into(),
            text: "in reverse order? (your list, reversed, is the expected one)".into(),
        });
    }
    Err(m)
}

/// The inputs `item` reads element by element, read from the lab's adapter
/// source: when every input its `"item" =>` arm takes is a matrix read with
/// `tensor_field(inputs, "name")` (as `sigmoid` reads `z`), those matrices from
/// the case's `inputs`; otherwise none (a network, a list or a number in
/// between means no element of the output stands for one of the input).
pub fn elementwise_inputs(adapter: &str, item: &str, inputs: &Value) -> Vec<(String, Array2<f64>)> {
    let Some(start) = adapter.find(&format!("\"{item}\" =>")) else {
        return Vec::new();
    };
    let arm = &adapter[start + item.len() + 5..];
    // The arm ends where the next one starts: a line opening with `"name" =>` or `other =>`.
    let end = arm
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| {
            let line = arm[i..].trim_start();
            let head = line.split("=>").next().unwrap_or("").trim();
            line.contains("=>")
                && (head.starts_with('"') && head.ends_with('"') && !head[1..].contains(' ')
                    || head.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !head.is_empty())
        })
        .unwrap_or(arm.len());
    let arm = &arm[..end];
    const READ: &str = "tensor_field(inputs, \"";
    let names: Vec<&str> = arm
        .match_indices(READ)
        .filter_map(|(i, _)| arm[i + READ.len()..].split('"').next())
        .collect();
    if names.is_empty() || arm.matches("inputs").count() != names.len() {
        return Vec::new();
    }
    names
        .iter()
        .filter_map(|&name| Some((name.to_string(), to_tensor(inputs.get(name)?).ok()?)))
        .collect()
}

/// A mismatch's path for a hidden case: entries not numbered (`dc_db[3]
/// (output layer)` is `dc_db (output layer)`), since their count is the depth
/// of a hidden network.
pub fn hidden_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '[' => skipping = true,
            ']' if skipping => skipping = false,
            _ if !skipping => out.push(c),
            _ => {}
        }
    }
    out
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

/// Whether the answer `got`, which differs from `expected`, is one of the
/// case's `inputs` exactly as it was given: an update that never happened
/// (an optimizer's step on a copy, weights returned as they came in). Only a
/// matrix or a list of at least two numbers, not all the same, counts: a
/// single number or a zero bias may well equal an input by chance.
pub fn unchanged_input(inputs: &Value, expected: &Value, got: &Value) -> bool {
    let Some(have) = numbers_of(got) else {
        return false;
    };
    let shape = |v: &Value| v.get("shape").cloned();
    if have.len() < 2
        || have.iter().all(|&x| x == have[0])
        || numbers_of(expected).is_some_and(|want| want == have)
    {
        return false;
    }
    // Kind, shape and length first: a data set among the inputs is never
    // read for an answer of another size.
    let same = |v: &Value| {
        let sized = match v {
            Value::Array(a) => !is_tensor(got) && a.len() == have.len(),
            _ => is_tensor(v) && shape(v) == shape(got),
        };
        sized && numbers_of(v).is_some_and(|xs| xs == have)
    };
    let mut stack = vec![inputs];
    while let Some(v) = stack.pop() {
        if same(v) {
            return true;
        }
        match v {
            Value::Object(o) if !is_tensor(v) => stack.extend(o.values()),
            Value::Array(a) if !a.iter().all(Value::is_number) => stack.extend(a),
            _ => {}
        }
    }
    false
}

/// The numbers of a matrix or of a list of numbers, in order.
fn numbers_of(v: &Value) -> Option<Vec<f64>> {
    if is_tensor(v) {
        return to_tensor(v).ok().map(|t| t.iter().copied().collect());
    }
    match v {
        Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_number) => {
            a.iter().map(to_f64).collect::<Result<Vec<f64>, _>>().ok()
        }
        _ => None,
    }
}

/// A factor between two answers as a person writes it: `×0.07`, not the
/// `×0.06999999999999999` a division of two rounded values gives. The
/// shortest decimal of at most 6 significant digits that is the factor
/// within a part in 10⁹; failing that, `about ×` its first 4 digits (a
/// factor found within the hint's tolerance is no more exact than that).
pub fn factor_text(r: f64) -> String {
    for digits in 1..=6 {
        let Ok(short) = format!("{r:.prec$e}", prec = digits - 1).parse::<f64>() else {
            break;
        };
        if (short - r).abs() <= 1e-9 * r.abs() {
            return format!("×{}", num(short));
        }
    }
    format!("about ×{}", num(round_for_people(r)))
}

/// An element's index: `[row, col]` in a matrix (`cols` > 0), `[i]` in a list.
fn index(i: usize, cols: usize) -> String {
    match i.checked_div(cols) {
        Some(row) => format!("[{row}, {}]", i % cols),
        None => format!("[{i}]"),
    }
}

/// Element-wise comparison of flat values; `cols` > 0 reports matrix indices.
/// A difference comes with the flat index of the first differing element.
fn compare_values(
    want: &[f64],
    have: &[f64],
    cols: usize,
    tol: Tolerance,
) -> Result<(), (String, &'static str, Option<usize>)> {
    let at = |i: usize| {
        if want.len() > 1 || cols > 0 {
            index(i, cols)
        } else {
            String::new()
        }
    };
    if let Some(i) = have.iter().position(|h| !h.is_finite()) {
        return Err((
            format!("got {} at {} (expected {})", have[i], at(i), num(want[i])),
            "non-finite value",
            Some(i),
        ));
    }
    let wrong: Vec<usize> = (0..want.len())
        .filter(|&i| !accepts(have[i], want[i], tol))
        .collect();
    let Some(&first) = wrong.first() else {
        return Ok(());
    };
    let summary = match tol.rule {
        Rule::AtLeast(_) => "too low",
        Rule::AtMost(_) => "too high",
        _ if want.len() == 1 => "wrong value",
        _ => "wrong values",
    };
    if want.len() == 1 {
        return Err((
            format!(
                "expected {}, got {}",
                tol.rule.expected_text(want[0]),
                num(have[0])
            ),
            summary,
            Some(0),
        ));
    }
    if tol.rule != Rule::Close {
        return Err((
            format!(
                "{} of {} values are off; first at {}: expected {}, got {}",
                wrong.len(),
                want.len(),
                at(first),
                tol.rule.expected_text(want[first]),
                num(have[first])
            ),
            summary,
            Some(first),
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
            at(first),
            num(want[first]),
            num(have[first])
        ),
        "wrong values",
        Some(first),
    ))
}

/// Whether `got` is the same answer as `want` (a known mistake's) under
/// `tol`: the same kinds and shapes, NaN where `want` has NaN, the same
/// infinities, and finite numbers that `tol` accepts. Unlike [`compare`],
/// which refuses any answer that is not finite, a mistake's NaN is matched
/// by the student's, whatever the last bits of the finite numbers around it.
pub fn same_answer(want: &Value, got: &Value, tol: Tolerance) -> bool {
    if is_tensor(want) {
        let (Ok(w), Ok(h)) = (to_tensor(want), to_tensor(got)) else {
            return false;
        };
        return w.dim() == h.dim()
            && w.iter()
                .zip(h.iter())
                .all(|(&w, &h)| same_number(w, h, tol));
    }
    match (want, got) {
        (Value::Array(w), Value::Array(h)) => {
            w.len() == h.len() && w.iter().zip(h).all(|(w, h)| same_answer(w, h, tol))
        }
        (Value::Object(w), Value::Object(h)) => {
            w.len() == h.len()
                && w.iter()
                    .all(|(k, w)| h.get(k).is_some_and(|h| same_answer(w, h, tol)))
        }
        _ => match (to_f64(want), to_f64(got)) {
            (Ok(w), Ok(h)) => same_number(w, h, tol),
            _ => want == got,
        },
    }
}

/// One number of [`same_answer`].
fn same_number(want: f64, have: f64, tol: Tolerance) -> bool {
    if want.is_nan() || have.is_nan() {
        return want.is_nan() && have.is_nan();
    }
    if want.is_infinite() || have.is_infinite() {
        return want == have;
    }
    accepts(have, want, tol)
}

fn close(a: f64, b: f64, tol: Tolerance) -> bool {
    relative_eq!(a, b, epsilon = tol.atol, max_relative = tol.rtol)
}

/// Whether the student's `have` passes against the expected `want`.
fn accepts(have: f64, want: f64, tol: Tolerance) -> bool {
    match tol.rule {
        Rule::Close => close(have, want, tol),
        Rule::Exact => have == want,
        Rule::Rounded { decimals } => {
            // Half a unit of the last decimal, and a hair more for the
            // binary representation of a decimal answer (0.5477 is not exact).
            let half = 0.5 * 10f64.powi(-(decimals as i32));
            (have - want).abs() <= half * (1.0 + 1e-9)
        }
        Rule::AtLeast(_) => tol.rule.bound(want).is_some_and(|b| have >= b),
        Rule::AtMost(_) => tol.rule.bound(want).is_some_and(|b| have <= b),
        // Scored by `accuracy`: any well-formed answer (the expected shape,
        // finite numbers) is an answer.
        Rule::Accuracy => true,
    }
}

/// Right answers and how many there are: the elements of `got` equal to
/// those of `expected` (lists of classes of the same length); `None` when
/// `got` is not such a list.
pub fn accuracy(expected: &Value, got: &Value) -> Option<(usize, usize)> {
    let (want, have) = (expected.as_array()?, got.as_array()?);
    if want.len() != have.len() || want.is_empty() {
        return None;
    }
    let mut right = 0;
    for (w, h) in want.iter().zip(have) {
        let (w, h) = (to_f64(w).ok()?, to_f64(h).ok()?);
        if !h.is_finite() {
            return None;
        }
        right += usize::from(w == h);
    }
    Some((right, want.len()))
}

/// How close a pattern must hold for a hint: the test's tolerance, or this
/// if looser (a pattern found in rounded arithmetic is still the pattern).
const HINT_TOL: Tolerance = Tolerance::close(1e-6, 1e-12);

/// A generic hint for a student's answer `got` that differs from `expected`
/// (matrices, lists of numbers, numbers), in words for a visible case; `None`
/// when no pattern is recognised. Run it after a lab's catalogue of named
/// mistakes finds nothing; [`generic_hint_of`] also gives the hidden-case name.
pub fn generic_hint(expected: &Value, got: &Value) -> Option<String> {
    generic_hint_of(expected, got).map(|h| h.text)
}

/// [`generic_hint`] with the pattern's number-free name for hidden cases.
pub fn generic_hint_of(expected: &Value, got: &Value) -> Option<Hint> {
    let flat = |v: &Value| -> Option<(Vec<f64>, usize, (usize, usize))> {
        if is_tensor(v) {
            let t = to_tensor(v).ok()?;
            Some((t.iter().copied().collect(), t.ncols(), t.dim()))
        } else if let Value::Array(items) = v {
            let xs = items
                .iter()
                .map(to_f64)
                .collect::<Result<Vec<f64>, _>>()
                .ok()?;
            let n = xs.len();
            Some((xs, 0, (n, 0)))
        } else {
            to_f64(v).ok().map(|x| (vec![x], 0, (1, 0)))
        }
    };
    let (w, cols, wd) = flat(expected)?;
    let (h, _, hd) = flat(got)?;
    if wd != hd || h.iter().any(|x| !x.is_finite()) {
        return None;
    }
    hint_values(&w, &h, cols, HINT_TOL)
}

/// The hint for a number answer `x` outside the range of `unit`: what the
/// question asks for, and the unit the answer seems to be in. Decided from
/// the answer alone (never against the expected value, which it would
/// reveal); `as_percentage` when it was written with `%`.
pub fn unit_hint(unit: Unit, x: f64, as_percentage: bool) -> Option<String> {
    let asks = format!("this question asks for {}", unit.describe());
    match unit {
        Unit::Fraction if as_percentage || (x > 1.0 && x <= 100.0) => {
            Some(format!("{asks}, not a percentage"))
        }
        Unit::Percent if x > 0.0 && x <= 1.0 => Some(format!("{asks}, not a fraction")),
        _ if unit.range().contains(&x) => None,
        _ => Some(asks),
    }
}

/// The first pattern that `have` shows against `want` (same length), checked
/// within the looser of `tol` and [`HINT_TOL`].
fn hint_values(want: &[f64], have: &[f64], cols: usize, tol: Tolerance) -> Option<Hint> {
    // A pattern (×2, a sign flip) explains an answer meant to equal the
    // reference's, not one held to a bound or to rounding.
    if tol.rule != Rule::Close {
        return None;
    }
    let tol = Tolerance::close(tol.rtol.max(HINT_TOL.rtol), tol.atol.max(HINT_TOL.atol));
    let n = want.len();
    if n == 0 || n != have.len() || have.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let all = |f: &dyn Fn(usize) -> bool| (0..n).all(f);
    let hint = |name: &str, text: String| {
        Some(Hint {
            name: name.to_string(),
            text,
        })
    };
    // A constant factor (a sign flip is the factor -1).
    if let Some(k) = (0..n).max_by(|&a, &b| want[a].abs().total_cmp(&want[b].abs())) {
        let r = have[k] / want[k];
        if want[k] != 0.0 && r.is_finite() && r != 0.0 && all(&|i| close(have[i], r * want[i], tol))
        {
            if close(r, -1.0, tol) {
                return hint(
                    "sign flipped?",
                    "sign flipped? (every value is the expected one negated)".into(),
                );
            }
            let whole = |x: f64| {
                x.abs() >= 2.0 && x.abs() <= 1e6 && (x - x.round()).abs() <= 1e-6 * x.abs()
            };
            let factor = if whole(r) {
                Some(format!("×{}", r.round()))
            } else if whole(1.0 / r) {
                Some(format!("×1/{}", (1.0 / r).round()))
            } else {
                None
            };
            // One number is always some multiple of another: only a whole
            // factor or its inverse says something there.
            let factor = factor.or_else(|| (n > 1 && !close(r, 1.0, tol)).then(|| factor_text(r)));
            if let Some(f) = factor {
                return hint(
                    "a constant factor?",
                    format!("a constant factor? (every value is {f} the expected one)"),
                );
            }
        }
    }
    if n < 2 {
        return None;
    }
    let in_order = all(&|i| close(have[i], want[i], tol));
    if !in_order && all(&|i| close(have[i], want[n - 1 - i], tol)) {
        return hint(
            "in reverse order?",
            "in reverse order? (your values, reversed, are the expected ones)".into(),
        );
    }
    if cols > 0 && n == cols * cols {
        let t = |i: usize| (i % cols) * cols + i / cols;
        if all(&|i| close(have[i], want[t(i)], tol)) {
            return hint(
                "transposed?",
                "transposed? (your matrix, transposed, is the expected one)".into(),
            );
        }
    }
    if cols == 0 {
        if (1..n).all(|i| close(have[i], want[i - 1], tol)) {
            return hint(
                "shifted by one place?",
                "shifted by one place? (your value at [i + 1] is the expected value at [i]: \
                 recorded one step early?)"
                    .into(),
            );
        }
        if (1..n).all(|i| close(have[i - 1], want[i], tol)) {
            return hint(
                "shifted by one place?",
                "shifted by one place? (your value at [i] is the expected value at [i + 1]: \
                 recorded one step late?)"
                    .into(),
            );
        }
    }
    // A history that never moves where the expected one does: whatever is
    // recorded step by step (a cost per epoch) is measured on a model the
    // steps never changed.
    if cols == 0
        && (1..n).all(|i| close(have[i], have[0], tol))
        && !(1..n).all(|i| close(want[i], want[0], tol))
    {
        return hint(
            "the same value in every entry?",
            format!(
                "the same value in every entry? (every entry of yours is {}, where the expected \
                 ones differ: for a history step by step, the steps never changed the model?)",
                num(have[0])
            ),
        );
    }
    // A sigmoid's (or a probability's) range: only said of several values,
    // all inside it (two gradients may well both lie in [0, 1] by chance).
    let inside = |x: f64| (-tol.atol..=1.0 + tol.atol).contains(&x);
    if n >= 4 && want.iter().all(|&x| inside(x)) && have.iter().any(|&x| !inside(x)) {
        return hint(
            "values outside an activation's range?",
            "values outside an activation's range? (every expected value lies in [0, 1], \
             some of yours do not)"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use reference::wire::{from_f64, from_tensor, from_tensors};

    const TOL: Tolerance = Tolerance::close(1e-7, 1e-12);

    fn with(rule: Rule) -> Tolerance {
        Tolerance { rule, ..TOL }
    }

    #[test]
    fn a_known_answer_matches_nan_for_nan_and_finite_numbers_within_tolerance() {
        let nan = f64::NAN;
        let want = from_tensor(&array![[nan, 0.25], [f64::INFINITY, 1.0 / 3.0]]);
        // Another style's rounding: the last bits of the finite numbers differ.
        let got = from_tensor(&array![[nan, 0.25], [f64::INFINITY, 1.0 / 3.0 + 1e-16]]);
        assert!(compare(&want, &got, "a", TOL).is_err());
        assert!(same_answer(&want, &got, TOL));
        // NaN only for NaN, an infinity only for itself, shapes and kinds alike.
        let other = |a| from_tensor(&a);
        assert!(!same_answer(
            &want,
            &other(array![[0.0, 0.25], [f64::INFINITY, 1.0 / 3.0]]),
            TOL
        ));
        assert!(!same_answer(
            &want,
            &other(array![[nan, 0.25], [f64::NEG_INFINITY, 1.0 / 3.0]]),
            TOL
        ));
        assert!(!same_answer(
            &want,
            &other(array![[nan, 0.25], [f64::INFINITY, 0.34]]),
            TOL
        ));
        assert!(!same_answer(
            &want,
            &other(array![[nan, 0.25, f64::INFINITY, 1.0 / 3.0]]),
            TOL
        ));
        assert!(same_answer(&from_f64(nan), &from_f64(nan), TOL));
        assert!(!same_answer(&from_f64(nan), &from_f64(1.0), TOL));
        let list = |x: f64| serde_json::json!([from_f64(x), from_f64(2.0)]);
        assert!(same_answer(&list(nan), &list(nan), TOL));
        assert!(!same_answer(&list(nan), &list(2.0), TOL));
        assert!(!same_answer(&from_f64(1.0), &serde_json::json!("1"), TOL));
    }

    fn check(want: f64, got: f64, rule: Rule) -> Result<(), Mismatch> {
        compare(&from_f64(want), &from_f64(got), "q", with(rule))
    }

    #[test]
    fn a_rounded_answer_is_within_half_a_unit_of_its_last_decimal() {
        let four = Rule::Rounded { decimals: 4 };
        // The seed's β₁,₀ after one step (0.5477...): rounded half up, or
        // anything within half a unit of the fourth decimal.
        let exact = 0.547_741_2;
        assert!(check(exact, 0.5477, four).is_ok());
        assert!(check(exact, 0.54775, four).is_ok());
        let m = check(exact, 0.5478, four).unwrap_err();
        assert_eq!(m.detail, "expected 0.5477 (to 4 decimals), got 0.5478");
        assert_eq!(m.summary, "wrong value");
        assert_eq!(m.hint, None, "no ×k pattern for a rounding rule");
        // Truncated instead of rounded: 0.12348 → 0.1234 is off by 0.8 units.
        assert!(check(0.12348, 0.1234, four).is_err());
        assert!(check(0.12348, 0.1235, four).is_ok());
        // An integer answer written without decimals.
        assert!(check(2.0, 2.0, Rule::Rounded { decimals: 0 }).is_ok());
    }

    #[test]
    fn exact_answers_and_choices() {
        assert!(check(3.0, 3.0, Rule::Exact).is_ok());
        assert!(check(3.0, 3.000_000_1, Rule::Exact).is_err());
        let want = serde_json::json!("tanh");
        for got in ["tanh", " Tanh ", "TANH"] {
            assert!(compare(&want, &serde_json::json!(got), "q", with(Rule::Exact)).is_ok());
        }
        let m = compare(&want, &serde_json::json!("ReLU"), "q", with(Rule::Exact)).unwrap_err();
        assert!(m.detail.contains("expected \"tanh\""), "{}", m.detail);
    }

    #[test]
    fn one_sided_bounds_fixed_or_from_the_reference() {
        let at_most = Rule::AtMost(Bound::Fixed(1e-5));
        assert!(check(3.5e-9, 2.7e-9, at_most).is_ok());
        assert!(check(3.5e-9, 9.9e-6, at_most).is_ok());
        let m = check(3.5e-9, 0.02, at_most).unwrap_err();
        assert_eq!(m.detail, "expected at most 1e-5, got 0.02");
        assert_eq!(m.summary, "too high");
        let at_least = Rule::AtLeast(Bound::Reference { margin: 0.02 });
        assert!(check(0.91, 0.95, at_least).is_ok(), "above the reference");
        assert!(check(0.91, 0.89, at_least).is_ok(), "within the margin");
        let m = check(0.91, 0.85, at_least).unwrap_err();
        assert!(
            m.detail.starts_with("expected at least 0.89"),
            "{}",
            m.detail
        );
        assert_eq!(m.summary, "too low");
        // Element-wise on matrices too.
        let a = array![[0.9, 0.8]];
        let m = compare(
            &from_tensor(&a),
            &from_tensor(&array![[0.95, 0.5]]),
            "acc",
            with(at_least),
        )
        .unwrap_err();
        assert!(
            m.detail
                .starts_with("1 of 2 values are off; first at [0, 1]"),
            "{}",
            m.detail
        );
    }

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
        assert_eq!(m.detail, "expected shape (1, 3), got (3, 1)");
        assert_eq!(m.hint.unwrap().name, "transposed?");
        // Same shape (square): the values say it.
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        let m = compare(&from_tensor(&a), &from_tensor(&a.t().to_owned()), "v", TOL).unwrap_err();
        assert_eq!(m.hint.unwrap().name, "transposed?");
    }

    #[test]
    fn numbers_are_shortest_round_trip_and_scientific_when_tiny_or_huge() {
        assert_eq!(num(9.348077867342945e-14), "9.348077867342945e-14");
        assert_eq!(num(-870.0), "-870");
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(1e-4), "0.0001");
        assert_eq!(num(2.5e12), "2.5e12");
        assert_eq!(num(0.0), "0");
        for x in [9.348077867342945e-14, 0.1 + 0.2, -2.5e12, 1.0 / 3.0] {
            assert_eq!(num(x).parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
    }

    #[test]
    fn an_input_returned_as_given_is_recognised() {
        let w = from_tensor(&array![[0.5, -1.0], [2.0, 0.25]]);
        let updated = from_tensor(&array![[0.4, -0.9], [1.9, 0.2]]);
        let bias = serde_json::json!([0.1, -0.3]);
        let inputs = serde_json::json!({
            "layers": [{ "weights": w.clone(), "bias": bias.clone(), "zero": [0.0, 0.0] }],
            "learning_rate": 0.1,
        });
        assert!(unchanged_input(&inputs, &updated, &w));
        assert!(unchanged_input(
            &inputs,
            &serde_json::json!([0.0, -0.2]),
            &bias
        ));
        // Not an input, or the expected answer itself, or a constant.
        assert!(!unchanged_input(&inputs, &w, &updated));
        assert!(!unchanged_input(&inputs, &w, &w));
        assert!(!unchanged_input(
            &inputs,
            &bias,
            &serde_json::json!([0.0, 0.0])
        ));
        assert!(!unchanged_input(
            &inputs,
            &serde_json::json!(0.2),
            &serde_json::json!(0.1)
        ));
        // The same numbers in another shape are another thing.
        let flat = from_tensor(&array![[0.5, -1.0, 2.0, 0.25]]);
        assert!(!unchanged_input(&inputs, &updated, &flat));
    }

    #[test]
    fn factors_read_as_people_write_them() {
        assert_eq!(factor_text(1.0 - 0.93), "×0.07");
        assert_eq!(factor_text(0.06999999999999999), "×0.07");
        assert_eq!(factor_text(0.3), "×0.3");
        assert_eq!(factor_text(1.0002), "×1.0002");
        assert_eq!(factor_text(2.5e-7), "×2.5e-7");
        // No short decimal: its first digits, said to be no more.
        assert_eq!(factor_text(0.547_741_234_5), "about ×0.5477");
    }

    #[test]
    fn generic_hints_each_on_the_pattern_that_shows_it() {
        let name = |w: Vec<f64>, h: Vec<f64>| {
            let (w, h) = (serde_json::json!(w), serde_json::json!(h));
            generic_hint_of(&w, &h).map(|h| h.name)
        };
        let w = vec![0.5, 0.25, 0.125, 0.8];
        let scaled = |k: f64| w.iter().map(|x| x * k).collect::<Vec<_>>();
        assert_eq!(name(w.clone(), scaled(-1.0)).unwrap(), "sign flipped?");
        for k in [2.0, 7.0, 1.0 / 7.0, 0.3] {
            assert_eq!(name(w.clone(), scaled(k)).unwrap(), "a constant factor?");
        }
        let text = generic_hint(&serde_json::json!(w), &serde_json::json!(scaled(1.0 / 7.0)));
        assert!(text.unwrap().contains("×1/7 the expected"));
        let rev: Vec<f64> = w.iter().rev().copied().collect();
        assert_eq!(name(w.clone(), rev).unwrap(), "in reverse order?");
        assert_eq!(
            name(w.clone(), vec![9.0, 0.5, 0.25, 0.125]).unwrap(),
            "shifted by one place?"
        );
        assert_eq!(
            name(w.clone(), vec![0.25, 0.125, 0.8, 9.0]).unwrap(),
            "shifted by one place?"
        );
        assert_eq!(
            name(w.clone(), vec![0.5, 0.25, -3.0, 0.8]).unwrap(),
            "values outside an activation's range?"
        );
        assert_eq!(name(w.clone(), vec![0.5, 0.2, 0.1, 0.9]), None);
        assert_eq!(
            name(w.clone(), vec![0.3, 0.3, 0.3, 0.3]).unwrap(),
            "the same value in every entry?"
        );
        // One number: only a whole factor (or its inverse) is a pattern.
        assert_eq!(
            name(vec![0.25], vec![0.5]).unwrap_or_default(),
            "a constant factor?"
        );
        assert_eq!(name(vec![0.25], vec![0.3]), None);
    }

    #[test]
    fn unit_hints_come_from_the_answer_alone() {
        let not_pct = "this question asks for a fraction between 0 and 1, not a percentage";
        assert_eq!(
            unit_hint(Unit::Fraction, 87.5, false).as_deref(),
            Some(not_pct)
        );
        assert_eq!(unit_hint(Unit::Fraction, 0.875, false), None);
        assert_eq!(
            unit_hint(Unit::Fraction, -0.5, false).as_deref(),
            Some("this question asks for a fraction between 0 and 1")
        );
        assert_eq!(
            unit_hint(Unit::Percent, 0.875, false).as_deref(),
            Some("this question asks for a percentage between 0 and 100, not a fraction")
        );
        assert_eq!(unit_hint(Unit::Percent, 87.5, false), None);
        assert_eq!(
            unit_hint(Unit::Percent, 870.0, false).as_deref(),
            Some("this question asks for a percentage between 0 and 100")
        );
    }

    #[test]
    fn hidden_paths_do_not_number_entries() {
        assert_eq!(
            hidden_path("dc_db[3] (output layer)"),
            "dc_db (output layer)"
        );
        assert_eq!(hidden_path("dc_dw[0]"), "dc_dw");
        assert_eq!(hidden_path("value"), "value");
    }

    #[test]
    fn element_wise_inputs_are_read_from_the_adapter() {
        let adapter = r#"
    Ok(match item {
        "sigmoid" => outputs([(
            "value",
            from_tensor(&lab::sigmoid(&tensor_field(inputs, "z")?)),
        )]),
        "cost_derivative" => {
            let a = tensor_field(inputs, "output_activations")?;
            let y = tensor_field(inputs, "y")?;
            outputs([("value", from_tensor(&lab::cost_derivative(&a, &y)))])
        }
        "forward_pass" => {
            let net = network(inputs)?;
            let x = tensor_field(inputs, "x")?;
            outputs([("value", from_tensor(&net.forward_pass(&x)))])
        }
        other => return Err(format!("no item "{other}"")),
    })"#;
        let m = from_tensor(&array![[1.0, 2.0]]);
        let inputs = serde_json::json!({"z": m, "output_activations": m, "y": m, "x": m});
        let names = |item: &str| -> Vec<String> {
            elementwise_inputs(adapter, item, &inputs)
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        assert_eq!(names("sigmoid"), ["z"]);
        assert_eq!(names("cost_derivative"), ["output_activations", "y"]);
        assert!(names("forward_pass").is_empty());
        assert!(names("missing").is_empty());
    }

    #[test]
    fn lists_of_matrices_report_the_element() {
        let a = vec![array![[1.0]], array![[2.0]]];
        let b = vec![array![[1.0]], array![[2.5]]];
        let m = compare(&from_tensors(&a), &from_tensors(&b), "dc_dw", TOL).unwrap_err();
        assert_eq!(m.path, "dc_dw[1] (output layer)");
        let b = vec![array![[1.5]], array![[2.0]]];
        let m = compare(&from_tensors(&a), &from_tensors(&b), "dc_dw", TOL).unwrap_err();
        assert_eq!(m.path, "dc_dw[0]");
    }

    #[test]
    fn a_reversed_list_of_matrices_is_called_that() {
        let a = vec![array![[1.0], [2.0]], array![[3.0]]];
        let b: Vec<_> = a.iter().rev().cloned().collect();
        let m = compare(&from_tensors(&a), &from_tensors(&b), "dc_db", TOL).unwrap_err();
        assert_eq!(m.path, "dc_db[1] (output layer)");
        assert_eq!(
            m.detail,
            "expected shape (1, 1), got (2, 1); dc_db[0] is wrong too"
        );
        assert_eq!(m.summary, "wrong shape; other entries are wrong too");
        assert_eq!(m.hint.unwrap().name, "in reverse order?");
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
        assert_eq!(m.summary, "wrong type (expected a matrix)");
        // The kind expected, never its shape or length (a hidden network's depth).
        let m = compare(&from_f64(1.0), &serde_json::json!([1.0]), "v", TOL).unwrap_err();
        assert_eq!(m.summary, "wrong type (expected a number)");
        let m = compare(
            &serde_json::json!([1.0, 2.0]),
            &serde_json::json!(1.0),
            "v",
            TOL,
        )
        .unwrap_err();
        assert_eq!(m.summary, "wrong type (expected a list)");
    }
}
