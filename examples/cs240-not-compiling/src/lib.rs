//! An example upload that does not compile: `exp` is a method of `f64`, not
//! of an ndarray array (the fix is `z.mapv(|v| 1.0 / (1.0 + (-v).exp()))`).
//! `grade` shows the compiler's message at this file's line, and every test
//! scores 0.

use ndarray::Array2;

pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    1.0 / (1.0 + (-z).exp())
}
