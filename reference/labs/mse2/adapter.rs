//! mse2 adapter: runs one graded item on one case's inputs.
//!
//! The same file is compiled into the reference (to produce the fixtures'
//! expected outputs) and into the probe (to call a student's code), so both
//! sides read inputs and shape outputs identically. `super::lab` is the lab
//! crate: the reference solution or the student's.

// Provided types through their own module (restored by the grader); the
// student's crate root only for the graded functions.
use super::lab;
use super::lab::network::Weights;
use crate::wire::{f64_field, field, from_f64, from_tensor, from_vector, outputs};
use crate::wire::{tensor_field, vector_field};
use serde_json::Value;

/// The graded items this adapter can run.
pub const ITEMS: &[&str] = &["sigmoid", "forward_propagation", "back_propagation"];

pub fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    Ok(match item {
        "sigmoid" => outputs([(
            "value",
            from_tensor(&lab::sigmoid(&tensor_field(inputs, "z")?)),
        )]),
        "forward_propagation" => {
            let f = lab::forward_propagation(&tensor_field(inputs, "X")?, &weights(inputs)?);
            outputs([
                ("Y", from_vector(&f.y)),
                ("Z2", from_vector(&f.z2)),
                ("H", from_tensor(&f.h)),
                ("Z1", from_tensor(&f.z1)),
            ])
        }
        "back_propagation" => {
            let (g, loss) = lab::back_propagation(
                &tensor_field(inputs, "X")?,
                &vector_field(inputs, "Y_T")?,
                &weights(inputs)?,
            );
            outputs([
                ("L", from_f64(loss)),
                ("W1", from_tensor(&g.w1)),
                ("b1", from_vector(&g.b1)),
                ("W2", from_vector(&g.w2)),
                ("b2", from_f64(g.b2)),
            ])
        }
        other => return Err(format!("mse2 has no graded item \"{other}\"")),
    })
}

/// The case's parameters, named as in the notebook's `weights` dictionary.
fn weights(inputs: &Value) -> Result<Weights, String> {
    let w = field(inputs, "weights")?;
    Ok(Weights {
        w1: tensor_field(w, "W1")?,
        b1: vector_field(w, "b1")?,
        w2: vector_field(w, "W2")?,
        b2: f64_field(w, "b2")?,
    })
}
