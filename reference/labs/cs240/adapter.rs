//! CS240 adapter: runs one graded item on one case's inputs.
//!
//! The same file is compiled into the reference (to produce the fixtures'
//! expected outputs) and into the probe (to call a student's code), so both
//! sides read inputs and shape outputs identically. `super::lab` is the lab
//! crate: the reference solution or the student's.

// Provided types through their own module (restored by the grader); the
// student's crate root only for the graded functions.
use super::lab;
#[cfg(not(grade_without_tuning))]
use super::lab::network::Hyperparameters;
use super::lab::network::{Example, NeuralNetwork};
#[cfg(not(grade_without_tuning))]
use crate::wire::{argmax_column, columns_field, one_hot_columns, paired};
use crate::wire::{f64_field, field, from_f64, from_tensor, from_tensors, from_usizes, outputs};
use crate::wire::{refused, tensor_field, tensors_field, usize_field, usizes_field};
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
    "tuning",
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
        "tuning" => tuning(inputs)?,
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

/// Section 1.2: the student's network, trained their way, then asked for
/// the class of every test image (never told the labels). The data's
/// handling is prebuilt in the wire; only the student's calls compile here.
#[cfg(not(grade_without_tuning))]
fn tuning(inputs: &Value) -> Result<Value, String> {
    let h = lab::hyperparameters();
    check_hyperparameters(&h)?;
    let pixels = usize_field(inputs, "pixels")?;
    let classes = usize_field(inputs, "classes")?;
    let max = usize_field(inputs, "pixel_max")? as f64;
    let images = columns_field(inputs, "train_pixels", pixels, max)?;
    let labels = one_hot_columns(&usizes_field(inputs, "train_labels")?, classes);
    let mut training: Vec<Example> = paired(images, labels);
    let mut sizes = vec![pixels];
    sizes.extend(&h.hidden_layers);
    sizes.push(classes);
    let seed = u32::try_from(usize_field(inputs, "network_seed")?)
        .map_err(|e| format!("network_seed: {e}"))?;
    let mut net = NeuralNetwork::new(&sizes, seed);
    net.mini_batch_gd(&mut training, h.epochs, h.mini_batch_size, h.eta);
    let test = columns_field(inputs, "test_pixels", pixels, max)?;
    let mut predicted = Vec::with_capacity(test.len());
    for (k, x) in test.iter().enumerate() {
        let Some(class) = argmax_column(&net.forward_pass(x)) else {
            return Err(refused(format!(
                "after training, your network's output for test image {} is not a \
                 number: training diverged (a smaller eta usually helps)",
                k + 1
            )));
        };
        predicted.push(class);
    }
    Ok(outputs([("predicted", from_usizes(&predicted))]))
}

/// A file without `hyperparameters()` (an older handout's) is graded all
/// the same; the tuning run says what it needs.
#[cfg(grade_without_tuning)]
fn tuning(_: &Value) -> Result<Value, String> {
    Err(refused(
        "the grader cannot call `hyperparameters()` in your src/lib.rs: section 1.2 needs \
         `pub fn hyperparameters() -> Hyperparameters` and, at the top, \
         `pub use network::Hyperparameters;` (the handout has both): add them to be ranked",
    ))
}

/// The student's hyperparameters, refused with the reason before any
/// training when they cannot describe a run.
#[cfg(not(grade_without_tuning))]
fn check_hyperparameters(h: &Hyperparameters) -> Result<(), String> {
    let problem = if h.hidden_layers.contains(&0) {
        "hidden_layers has a layer of 0 neurons; every layer needs at least 1"
    } else if !(h.eta.is_finite() && h.eta > 0.0) {
        "eta must be a positive number"
    } else if h.mini_batch_size == 0 {
        "mini_batch_size is 0; it must be at least 1"
    } else if h.epochs == 0 {
        "epochs is 0; train for at least 1"
    } else {
        return Ok(());
    };
    Err(refused(format!("hyperparameters(): {problem}")))
}
