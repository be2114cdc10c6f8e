//! CS240 adapter: runs one graded item on one case's inputs.
//!
//! The same file is compiled into the reference (to produce the fixtures'
//! expected outputs) and into the probe (to call a student's code), so both
//! sides read inputs and shape outputs identically. `super::lab` is the lab
//! crate: the reference solution or the student's.

use super::lab::{self, Example, NeuralNetwork};
use crate::wire::{f64_field, field, from_f64, from_tensor, from_tensors, outputs};
use crate::wire::{tensor_field, tensors_field, usize_field, usizes_field};
use serde_json::Value;

/// The graded items this adapter can run.
pub const ITEMS: &[&str] = &[
    "sigmoid",
    "sigmoid_derivative",
    "cost_derivative",
    "cost",
    "forward_pass",
    "back_propagation",
    "mini_batch_gd",
];

pub fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    Ok(match item {
        "sigmoid" => outputs([(
            "value",
            from_tensor(&lab::sigmoid(&tensor_field(inputs, "z")?)),
        )]),
        "sigmoid_derivative" => outputs([(
            "value",
            from_tensor(&lab::sigmoid_derivative(&tensor_field(inputs, "z")?)),
        )]),
        "cost_derivative" => {
            let a = tensor_field(inputs, "output_activations")?;
            let y = tensor_field(inputs, "y")?;
            outputs([("value", from_tensor(&lab::cost_derivative(&a, &y)))])
        }
        "cost" => {
            let net = network(inputs)?;
            outputs([("value", from_f64(net.cost(&examples(inputs, "data")?)))])
        }
        "forward_pass" => {
            let net = network(inputs)?;
            let x = tensor_field(inputs, "x")?;
            outputs([("value", from_tensor(&net.forward_pass(&x)))])
        }
        "back_propagation" => {
            let net = network(inputs)?;
            let g = net.back_propagation(&tensor_field(inputs, "x")?, &tensor_field(inputs, "y")?);
            outputs([
                ("dc_db", from_tensors(&g.dc_db)),
                ("dc_dw", from_tensors(&g.dc_dw)),
            ])
        }
        "mini_batch_gd" => {
            let mut net = network(inputs)?;
            let mut data = examples(inputs, "data")?;
            let history = net.mini_batch_gd(
                &mut data,
                usize_field(inputs, "epochs")?,
                usize_field(inputs, "mini_batch_size")?,
                f64_field(inputs, "eta")?,
            );
            outputs([(
                "cost_history",
                Value::Array(history.into_iter().map(from_f64).collect()),
            )])
        }
        other => return Err(format!("cs240 has no graded item \"{other}\"")),
    })
}

/// The case's network: built from its seed (which also sets the shuffling
/// generator's state), then given the case's explicit parameters.
fn network(inputs: &Value) -> Result<NeuralNetwork, String> {
    let spec = field(inputs, "network")?;
    // Through the prebuilt wire: serde's generic code is not compiled again.
    let sizes = usizes_field(spec, "sizes").map_err(|e| format!("network.{e}"))?;
    let seed = u32::try_from(usize_field(spec, "seed")?).map_err(|e| format!("seed: {e}"))?;
    let mut net = NeuralNetwork::new(&sizes, seed);
    net.biases = tensors_field(spec, "biases")?;
    net.weights = tensors_field(spec, "weights")?;
    Ok(net)
}

fn examples(inputs: &Value, key: &str) -> Result<Vec<Example>, String> {
    let list = field(inputs, key)?
        .as_array()
        .ok_or_else(|| format!("input \"{key}\" must be a list of examples"))?;
    list.iter()
        .map(|ex| Ok((tensor_field(ex, "x")?, tensor_field(ex, "y")?)))
        .collect::<Result<_, String>>()
        .map_err(|e| format!("input \"{key}\": {e}"))
}
