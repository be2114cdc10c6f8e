//! The wire format shared by fixtures, the probe and the grader.
//!
//! This file is lab-agnostic and self-contained (std, ndarray, serde_json only)
//! because it is compiled twice: into the reference crate, and verbatim into
//! every probe that runs a student's code.
//!
//! Values are JSON:
//! - a matrix is `{"shape": [rows, cols], "data": [row-major numbers]}`;
//! - a list of matrices is a JSON array of matrices; a scalar is a number;
//! - a vector (a 1-D array) or a list of labels is a JSON array of numbers;
//! - a non-finite number is the string `"NaN"`, `"inf"` or `"-inf"` (JSON has no
//!   such numbers, and a student's NaN must reach the grader as a NaN).
//!
//! The probe answers on a dedicated file descriptor with one frame:
//! `GRADE-ANSWER-v1 <byte length>\n<payload>`; the payload is
//! `{"ok": outputs}`, `{"panic": message}` or `{"error": message}`.

use ndarray::{Array1, Array2};
use serde_json::{json, Map, Value};
use std::io::{Read, Write};

/// First token of the probe's answer frame.
pub const FRAME_MAGIC: &str = "GRADE-ANSWER-v1";

/// How a panic inside a dependency names the student's code when the probe
/// has no line tables: by function (`… called from your `forward_pass``).
/// The grader looks for it to build again with line tables.
pub const CALLED_FROM_FUNCTION: &str = ", called from your `";

/// Starts an adapter's error that is the student's, not the grader's (a
/// choice the adapter cannot use, such as a mini-batch of 0): the grader
/// reports the rest as the run's outcome ("was refused: ...").
pub const REFUSED: &str = "refused: ";

/// An adapter error that blames the student's choice: see [`REFUSED`].
pub fn refused(why: impl std::fmt::Display) -> String {
    format!("{REFUSED}{why}")
}
/// Environment variable naming the descriptor the probe answers on.
pub const ANSWER_FD_VAR: &str = "GRADE_ANSWER_FD";

/// A number as it travels: finite numbers as JSON numbers, others as strings.
pub fn from_f64(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else if x.is_nan() {
        json!("NaN")
    } else if x > 0.0 {
        json!("inf")
    } else {
        json!("-inf")
    }
}

/// Reads a number written by [`from_f64`].
pub fn to_f64(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not an f64")),
        Value::String(s) if s == "NaN" => Ok(f64::NAN),
        Value::String(s) if s == "inf" => Ok(f64::INFINITY),
        Value::String(s) if s == "-inf" => Ok(f64::NEG_INFINITY),
        other => Err(format!("expected a number, found {}", kind(other))),
    }
}

pub fn from_tensor(a: &Array2<f64>) -> Value {
    let data: Vec<Value> = a.iter().map(|&x| from_f64(x)).collect();
    json!({ "shape": [a.nrows(), a.ncols()], "data": data })
}

pub fn from_tensors(list: &[Array2<f64>]) -> Value {
    Value::Array(list.iter().map(from_tensor).collect())
}

pub fn to_tensor(v: &Value) -> Result<Array2<f64>, String> {
    let shape = v
        .get("shape")
        .and_then(Value::as_array)
        .ok_or("a matrix needs a \"shape\" array")?;
    let dims: Vec<usize> = shape
        .iter()
        .map(|d| d.as_u64().map(|d| d as usize))
        .collect::<Option<_>>()
        .ok_or("a matrix's shape must hold whole numbers")?;
    let [rows, cols] = dims[..] else {
        return Err(format!("a matrix has 2 dimensions, found {}", dims.len()));
    };
    let data = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or("a matrix needs a \"data\" array")?;
    let data: Vec<f64> = data.iter().map(to_f64).collect::<Result<_, _>>()?;
    Array2::from_shape_vec((rows, cols), data)
        .map_err(|_| format!("shape ({rows}, {cols}) does not fit its data"))
}

pub fn to_tensors(v: &Value) -> Result<Vec<Array2<f64>>, String> {
    v.as_array()
        .ok_or_else(|| format!("expected a list of matrices, found {}", kind(v)))?
        .iter()
        .map(to_tensor)
        .collect()
}

/// A vector (1-D array) as a JSON list of numbers.
pub fn from_vector(a: &Array1<f64>) -> Value {
    Value::Array(a.iter().map(|&x| from_f64(x)).collect())
}

/// Reads a vector written by [`from_vector`].
pub fn to_vector(v: &Value) -> Result<Array1<f64>, String> {
    let list = v
        .as_array()
        .ok_or_else(|| format!("expected a list of numbers, found {}", kind(v)))?;
    let data: Vec<f64> = list.iter().map(to_f64).collect::<Result<_, _>>()?;
    Ok(Array1::from(data))
}

/// Whole numbers (labels, indices) as a JSON list.
pub fn from_usizes(list: &[usize]) -> Value {
    Value::Array(list.iter().map(|&n| json!(n)).collect())
}

/// Reads a list written by [`from_usizes`].
pub fn to_usizes(v: &Value) -> Result<Vec<usize>, String> {
    v.as_array()
        .ok_or_else(|| format!("expected a list of whole numbers, found {}", kind(v)))?
        .iter()
        .map(|n| {
            n.as_u64()
                .map(|n| n as usize)
                .ok_or_else(|| format!("expected a whole number, found {}", kind(n)))
        })
        .collect()
}

/// The named field of an object, or an error naming it.
pub fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, String> {
    v.get(key).ok_or_else(|| format!("missing input \"{key}\""))
}

pub fn usize_field(v: &Value, key: &str) -> Result<usize, String> {
    field(v, key)?
        .as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| format!("input \"{key}\" must be a whole number"))
}

pub fn f64_field(v: &Value, key: &str) -> Result<f64, String> {
    to_f64(field(v, key)?).map_err(|e| format!("input \"{key}\": {e}"))
}

pub fn tensor_field(v: &Value, key: &str) -> Result<Array2<f64>, String> {
    to_tensor(field(v, key)?).map_err(|e| format!("input \"{key}\": {e}"))
}

pub fn tensors_field(v: &Value, key: &str) -> Result<Vec<Array2<f64>>, String> {
    to_tensors(field(v, key)?).map_err(|e| format!("input \"{key}\": {e}"))
}

pub fn vector_field(v: &Value, key: &str) -> Result<Array1<f64>, String> {
    to_vector(field(v, key)?).map_err(|e| format!("input \"{key}\": {e}"))
}

pub fn usizes_field(v: &Value, key: &str) -> Result<Vec<usize>, String> {
    to_usizes(field(v, key)?).map_err(|e| format!("input \"{key}\": {e}"))
}

/// Examples given as `count × size` whole numbers, row after row (an
/// image's pixels), each as a column of `size` numbers divided by `scale`.
/// Prebuilt here, not in an adapter: a probe compiles only the call.
pub fn columns_field(
    v: &Value,
    key: &str,
    size: usize,
    scale: f64,
) -> Result<Vec<Array2<f64>>, String> {
    let flat = usizes_field(v, key)?;
    if size == 0 || flat.len() % size != 0 {
        return Err(format!(
            "input \"{key}\" is not whole examples of {size} numbers"
        ));
    }
    Ok(flat
        .chunks(size)
        .map(|row| Array2::from_shape_fn((size, 1), |(i, _)| row[i] as f64 / scale))
        .collect())
}

/// Each label as a one-hot column of `classes` (a label past the last
/// class marks the last).
pub fn one_hot_columns(labels: &[usize], classes: usize) -> Vec<Array2<f64>> {
    labels
        .iter()
        .map(|&label| {
            let mut y = Array2::zeros((classes, 1));
            y[[label.min(classes.saturating_sub(1)), 0]] = 1.0;
            y
        })
        .collect()
}

/// Inputs and targets paired into examples (`(x, y)`, as the labs'
/// `Example`), prebuilt like the rest.
pub fn paired(xs: Vec<Array2<f64>>, ys: Vec<Array2<f64>>) -> Vec<(Array2<f64>, Array2<f64>)> {
    xs.into_iter().zip(ys).collect()
}

/// The row of a column's largest value (the first of equal ones), or
/// `None` when a value is not a number.
pub fn argmax_column(a: &Array2<f64>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in a.iter().enumerate() {
        if !v.is_finite() {
            return None;
        }
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// An object of named outputs, in the order given.
pub fn outputs<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k.to_string(), v);
    }
    Value::Object(map)
}

/// A short name for a JSON value's kind, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Frames a payload for the answer channel.
pub fn frame(payload: &Value) -> Vec<u8> {
    let body = payload.to_string();
    let mut out = format!("{FRAME_MAGIC} {}\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// Signature of a lab adapter: run one graded item on one case's inputs.
pub type Call = fn(&str, &Value) -> Result<Value, String>;

/// The probe's `main`: `probe ITEM < inputs.json`, answering with one frame on
/// the descriptor named by [`ANSWER_FD_VAR`] (standard output when unset).
///
/// The student's panics are caught here so that a message, not a crash, comes
/// back; a process that dies instead (abort, stack overflow, signal) simply
/// sends no frame and the grader reports how it died.
pub fn serve(call: Call) -> ! {
    let item = std::env::args().nth(1).unwrap_or_default();
    let mut input = String::new();
    let payload = match std::io::stdin().read_to_string(&mut input) {
        Err(e) => json!({ "error": format!("cannot read the case's inputs: {e}") }),
        Ok(_) => match serde_json::from_str::<Value>(&input) {
            Err(e) => json!({ "error": format!("the case's inputs are not JSON: {e}") }),
            Ok(inputs) => run_caught(call, &item, &inputs),
        },
    };
    let bytes = frame(&payload);
    let written = match std::env::var(ANSWER_FD_VAR)
        .ok()
        .and_then(|s| s.parse::<i32>().ok())
    {
        Some(fd) => write_to_fd(fd, &bytes),
        None => std::io::stdout().write_all(&bytes),
    };
    std::process::exit(if written.is_ok() { 0 } else { 70 })
}

fn run_caught(call: Call, item: &str, inputs: &Value) -> Value {
    use std::sync::Mutex;
    static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);
    std::panic::set_hook(Box::new(|info| {
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-text payload".to_string()
        };
        let place = info.location().map(place).unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{msg}{place}"));
        }
    }));
    match std::panic::catch_unwind(|| call(item, inputs)) {
        Ok(Ok(outputs)) => json!({ "ok": outputs }),
        Ok(Err(e)) => json!({ "error": e }),
        Err(_) => {
            let msg = LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut m| m.take())
                .unwrap_or_else(|| "panicked".to_string());
            json!({ "panic": msg })
        }
    }
}

/// Where a panic happened, in the student's terms: ` at src/lib.rs:LINE`
/// when in the student's crate (rustc is given its files by relative path);
/// otherwise the library it was raised in, by name, and the deepest frame of
/// the student's code that called it, from a backtrace (` inside ndarray,
/// called from src/lib.rs:LINE`). An absolute path (a dependency's source,
/// the standard library's, the probe's) is never shown: it is the grading
/// machine's.
fn place(location: &std::panic::Location) -> String {
    let file = location.file();
    if !file.starts_with('/') {
        return format!(" at {}:{}", file.trim_start_matches("./"), location.line());
    }
    let what = library_of(file);
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    match student_frame(&trace) {
        Some(Caller::Line(at)) => format!(" inside {what}, called from {at}"),
        Some(Caller::Function(name)) => format!(" inside {what}{CALLED_FROM_FUNCTION}{name}`"),
        None => format!(" inside {what}"),
    }
}

/// The library an absolute source path belongs to, by name only: a
/// registry crate's folder is `name-version`.
fn library_of(file: &str) -> String {
    if file.contains("/library/") && file.starts_with("/rustc/") {
        return "Rust's standard library".to_string();
    }
    file.rsplit('/')
        .find_map(|part| {
            let (name, version) = part.rsplit_once('-')?;
            let numeric = version.starts_with(|c: char| c.is_ascii_digit())
                && version.contains('.')
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            numeric.then(|| name.to_string())
        })
        .unwrap_or_else(|| "a library".to_string())
}

/// The student's code that led to a panic elsewhere.
#[derive(Debug, PartialEq)]
enum Caller {
    /// `src/lib.rs:LINE` (the probe has line tables).
    Line(String),
    /// A function's path within the student's crate (no line tables).
    Function(String),
}

/// The deepest frame of `trace` (a `Backtrace`'s text) in the student's
/// crate: the crate that holds the probe module (`CRATE::__grade_probe`),
/// but for the probe itself and `main`. Its source file, when the probe has
/// line tables, is shown from its `src/` folder on (the crate's folder is the
/// grading machine's); without, the function's path.
fn student_frame(trace: &str) -> Option<Caller> {
    let mut frames: Vec<(String, Option<String>)> = Vec::new();
    for line in trace.lines() {
        let line = line.trim();
        if let Some(at) = line.strip_prefix("at ") {
            if let Some(last) = frames.last_mut() {
                last.1.get_or_insert_with(|| at.to_string());
            }
        } else if let Some((n, name)) = line.split_once(": ") {
            if n.chars().all(|c| c.is_ascii_digit()) {
                frames.push((name.to_string(), None));
            }
        }
    }
    let krate = frames
        .iter()
        .find_map(|(name, _)| name.split_once("::__grade_probe::"))
        .map(|(krate, _)| krate.trim_start_matches('<').to_string())?;
    // With line tables, the student's crate is a folder: the one of the
    // probe's `main`, which is appended to the student's file. A frame is
    // the student's by where it is, whatever its name: the debug info may
    // name a function without its path (`back_propagation`, not
    // `cs240_lab::<impl NeuralNetwork>::back_propagation`).
    let main = format!("{krate}::main");
    let folder = frames
        .iter()
        .find(|(name, _)| *name == main)
        .and_then(|(_, at)| at.as_deref())
        .and_then(|at| at.rfind("/src/").map(|i| &at[..i + "/src/".len()]));
    if let Some(folder) = folder {
        let by_place = frames
            .iter()
            .filter(|(name, _)| *name != main && !name.contains("__grade_probe"))
            .filter_map(|(_, at)| at.as_deref())
            .find(|at| at.starts_with(folder))
            .and_then(from_src);
        if let Some(at) = by_place {
            return Some(Caller::Line(at));
        }
    }
    frames.iter().find_map(|(name, at)| {
        let rest = name
            .trim_start_matches('<')
            .strip_prefix(&format!("{krate}::"))?;
        if rest.starts_with("__grade_probe") || rest.starts_with("main") {
            return None;
        }
        if let Some(at) = at.as_deref().and_then(from_src) {
            return Some(Caller::Line(at));
        }
        // `<impl cs240_lab::network::NeuralNetwork>::forward_pass::{{closure}}`
        // is `NeuralNetwork::forward_pass`; a free function is its own name.
        let rest = rest.split("::{{closure}}").next().unwrap_or(rest);
        let method = rest.starts_with("<impl ");
        let parts: Vec<&str> = rest
            .split("::")
            .map(|p| p.trim_matches(['<', '>']))
            .collect();
        let keep = if method { 2 } else { 1 };
        Some(Caller::Function(
            parts[parts.len().saturating_sub(keep)..].join("::"),
        ))
    })
}

/// `…/src/lib.rs:LINE:COLUMN` as `src/lib.rs:LINE`; `None` without `src/`.
fn from_src(at: &str) -> Option<String> {
    let start = if at.starts_with("src/") {
        0
    } else {
        at.rfind("/src/")? + 1
    };
    let at = &at[start..];
    let mut parts = at.rsplitn(3, ':');
    let (col, line, file) = (parts.next()?, parts.next()?, parts.next());
    match file {
        Some(file) if line.chars().all(|c| c.is_ascii_digit()) => Some(format!("{file}:{line}")),
        _ if col.chars().all(|c| c.is_ascii_digit()) => Some(at.to_string()),
        _ => None,
    }
}

#[cfg(unix)]
fn write_to_fd(fd: i32, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::io::FromRawFd;
    // The grader opened this descriptor for us; we own it from here on.
    let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
    file.write_all(bytes)?;
    file.flush()
}

#[cfg(not(unix))]
fn write_to_fd(_fd: i32, bytes: &[u8]) -> std::io::Result<()> {
    std::io::stdout().write_all(bytes)
}

// Built into the prebuilt dependency crate beside this file (see the file);
// compiled here only to keep it compiling.
#[cfg(test)]
#[path = "instances.rs"]
#[allow(dead_code)]
mod instances;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn tensors_round_trip_bit_for_bit_including_non_finite() {
        let a = array![[0.1 + 0.2, -1e-300], [f64::NAN, f64::NEG_INFINITY]];
        let text = from_tensor(&a).to_string();
        let back = to_tensor(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(back[[0, 0]].to_bits(), a[[0, 0]].to_bits());
        assert_eq!(back[[0, 1]].to_bits(), a[[0, 1]].to_bits());
        assert!(back[[1, 0]].is_nan());
        assert_eq!(back[[1, 1]], f64::NEG_INFINITY);
    }

    #[test]
    fn vectors_and_labels_round_trip() {
        let a = ndarray::array![0.1 + 0.2, -1e-300, f64::NAN];
        let back = to_vector(&from_vector(&a)).unwrap();
        assert_eq!(back[0].to_bits(), a[0].to_bits());
        assert_eq!(back[1].to_bits(), a[1].to_bits());
        assert!(back[2].is_nan());
        assert_eq!(to_usizes(&from_usizes(&[0, 7, 2])).unwrap(), vec![0, 7, 2]);
        assert!(to_usizes(&json!([1, -1])).is_err());
        assert!(to_vector(&json!({"shape": [1, 1], "data": [1.0]})).is_err());
    }

    #[test]
    fn a_shape_that_does_not_fit_its_data_is_refused() {
        let v = json!({"shape": [2, 2], "data": [1.0, 2.0, 3.0]});
        assert!(to_tensor(&v).unwrap_err().contains("does not fit"));
    }

    #[test]
    fn a_dependency_panic_names_the_library_and_the_students_line_only() {
        let file = "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/ndarray-0.17.2/src/linalg/impl_linalg.rs";
        assert_eq!(library_of(file), "ndarray");
        assert_eq!(
            library_of(
                "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/slice/index.rs"
            ),
            "Rust's standard library"
        );
        assert_eq!(library_of("/tmp/x/w/probe/adapter.rs"), "a library");
        // With line tables (generic dependency code instantiated in the
        // student's crate has absolute paths too).
        let trace = "   7: ndarray::linalg::impl_linalg::dot_shape_error
   8: dot<f64>
             at /root/.cargo/registry/src/index.crates.io-1/ndarray-0.17.2/src/linalg/impl_linalg.rs:316:13
  12: lab::f
             at /tmp/x/w/crate/src/lib.rs:3:7
  13: lab::__grade_probe::adapter::call
             at /tmp/w/probe/adapter.rs:20:5
  40: main
             at ./csu/../sysdeps/nptl/libc_start_call_main.h:58:16";
        assert_eq!(
            student_frame(trace),
            Some(Caller::Line("src/lib.rs:3".into()))
        );
        // Debug info that names functions without their path: the frame
        // is the student's by its place, in the folder of the probe's
        // `main` (appended to the student's file).
        let trace = "   7: ndarray::linalg::impl_linalg::dot_shape_error
   8: <ndarray::ArrayRef<A,ndarray::dimension::dim::Dim<[usize; 2]>>>::dot
             at /root/.cargo/registry/src/index.crates.io-1/ndarray-0.17.2/src/linalg/impl_linalg.rs:316:13
   9: back_propagation
             at /tmp/grade-zx/lines/w/crate/src/lib.rs:97:42
  10: call
             at /tmp/grade-zx/lines/w/probe/adapter.rs:58:25
  11: grade_wire::run_caught
             at /tmp/grade-zx/deps/wire.rs:299:11
  13: cs240_lab::__grade_probe::main
             at /tmp/grade-zx/lines/w/probe/__grade_probe.rs:6:5
  14: cs240_lab::main
             at /tmp/grade-zx/lines/w/crate/src/lib.rs:167:5";
        assert_eq!(
            student_frame(trace),
            Some(Caller::Line("src/lib.rs:97".into()))
        );
        // Without: the function, in the crate that holds the probe.
        let trace = "   7: ndarray::linalg::impl_linalg::dot_shape_error
  11: ndarray::linalg::impl_linalg::<impl ndarray::ArrayRef<A,D>>::dot
  12: cs240_lab::<impl cs240_lab::network::NeuralNetwork>::forward_pass
  13: cs240_lab::__grade_probe::adapter::call
  14: grade_wire::run_caught::{{closure}}";
        assert_eq!(
            student_frame(trace),
            Some(Caller::Function("NeuralNetwork::forward_pass".into()))
        );
        let trace = "  11: ndarray::impl_methods::<impl ndarray::ArrayBase<S,D>>::mapv
  12: cs240_lab::sigmoid::{{closure}}
  13: cs240_lab::__grade_probe::adapter::call";
        assert_eq!(
            student_frame(trace),
            Some(Caller::Function("sigmoid".into()))
        );
        assert_eq!(student_frame("   0: <unknown>"), None);
    }

    #[test]
    fn frame_states_the_payload_length() {
        let f = frame(&json!({"ok": 1}));
        assert_eq!(
            String::from_utf8(f).unwrap(),
            "GRADE-ANSWER-v1 8\n{\"ok\":1}"
        );
    }
}
