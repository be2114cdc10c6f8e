//! modular adapter: runs one graded item on one case's inputs.
//!
//! The same file is compiled into the reference (to produce the fixtures'
//! expected outputs) and into the probe (to call a student's code), so both
//! sides read inputs and shape outputs identically. `super::lab` is the lab
//! crate: the reference solution or the student's.
//!
//! A module is graded statefully: one module gets each of the case's calls in
//! turn (`forward` on the call's batch, then `backward` on its gradient), and
//! what the last call gives is the answer. The calls' batches differ in size,
//! so a module that keeps the first call's input, or adds to its gradients
//! instead of setting them, gives the wrong answer; one that saves nothing
//! panics in `backward`.

// Provided code through its own modules (restored by the grader), never
// through the student's crate root, which serves only the graded functions.
use super::lab::data::Dataset;
use super::lab::network::{
    CrossEntropyLoss, GradientDescentOptimizer, Layer, Linear, MultiLayerPerceptron, ReLU, Sigmoid,
};
use super::lab::sigmoid;
use crate::wire::{f64_field, field, from_f64, from_tensor, from_usizes, from_vector, outputs};
use crate::wire::{tensor_field, usize_field, usizes_field, vector_field};
use serde_json::Value;

/// The graded items this adapter can run.
pub const ITEMS: &[&str] = &[
    "linear",
    "optimizer",
    "sigmoid",
    "relu",
    "cross_entropy",
    "train_network",
];

pub fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    Ok(match item {
        "linear" => {
            let spec = field(inputs, "linear")?;
            let mut linear =
                Linear::new(tensor_field(spec, "weights")?, vector_field(spec, "bias")?);
            let mut last = None;
            for c in calls(spec)? {
                let output = linear.forward(&tensor_field(c, "x")?);
                let grad_input = linear.backward(&tensor_field(c, "grad_output")?);
                last = Some((output, grad_input));
            }
            let (output, grad_input) = last.ok_or("no calls")?;
            outputs([
                ("output", from_tensor(&output)),
                ("grad_input", from_tensor(&grad_input)),
                ("d_weights", from_tensor(&linear.d_weights)),
                ("d_bias", from_vector(&linear.d_bias)),
            ])
        }
        "sigmoid" => {
            let spec = field(inputs, "sigmoid")?;
            let mut module = Sigmoid::default();
            let (mut last, mut x_last) = (None, None);
            for c in calls(spec)? {
                let x = tensor_field(c, "x")?;
                let output = module.forward(&x);
                let grad_input = module.backward(&tensor_field(c, "grad_output")?);
                last = Some((output, grad_input));
                x_last = Some(x);
            }
            let (output, grad_input) = last.ok_or("no calls")?;
            let function = sigmoid(&x_last.ok_or("no calls")?);
            outputs([
                ("sigmoid", from_tensor(&function)),
                ("output", from_tensor(&output)),
                ("grad_input", from_tensor(&grad_input)),
            ])
        }
        "relu" => {
            let spec = field(inputs, "relu")?;
            let mut module = ReLU::default();
            let mut last = None;
            for c in calls(spec)? {
                let output = module.forward(&tensor_field(c, "x")?);
                let grad_input = module.backward(&tensor_field(c, "grad_output")?);
                last = Some((output, grad_input));
            }
            let (output, grad_input) = last.ok_or("no calls")?;
            outputs([
                ("output", from_tensor(&output)),
                ("grad_input", from_tensor(&grad_input)),
            ])
        }
        "cross_entropy" => {
            let spec = field(inputs, "cross_entropy")?;
            let mut module = CrossEntropyLoss::new();
            let mut last = None;
            for c in calls(spec)? {
                let loss = module.forward(&tensor_field(c, "logits")?, &tensor_field(c, "labels")?);
                let grad_logits = module.backward();
                last = Some((loss, grad_logits));
            }
            let (loss, grad_logits) = last.ok_or("no calls")?;
            outputs([
                ("loss", from_f64(loss)),
                ("grad_logits", from_tensor(&grad_logits)),
            ])
        }
        "optimizer" => {
            let spec = field(inputs, "optimizer")?;
            let mut model = network(field(spec, "layers")?, true)?;
            GradientDescentOptimizer::new(f64_field(spec, "learning_rate")?).step(&mut model);
            let mut out = serde_json::Map::new();
            let mut k = 0;
            for layer in &model.layers {
                if let Layer::Linear(linear) = layer {
                    k += 1;
                    out.insert(format!("weights {k}"), from_tensor(&linear.weights));
                    out.insert(format!("bias {k}"), from_vector(&linear.bias));
                }
            }
            Value::Object(out)
        }
        "train_network" => {
            let spec = field(inputs, "train_network")?;
            let mut model = network(field(spec, "layers")?, false)?;
            let dataset = Dataset {
                train_x: tensor_field(spec, "train_x")?,
                train_y: usizes_field(spec, "train_y")?,
                test_x: tensor_field(spec, "test_x")?,
                test_y: usizes_field(spec, "test_y")?,
            };
            let h = super::lab::train_network(
                &mut model,
                &dataset,
                usize_field(spec, "num_epochs")?,
                f64_field(spec, "learning_rate")?,
                usize_field(spec, "batch_size")?,
            );
            let list = |v: Vec<f64>| Value::Array(v.into_iter().map(from_f64).collect());
            outputs([
                ("train_losses", list(h.train_losses)),
                ("test_losses", list(h.test_losses)),
                ("train_errors", list(h.train_errors)),
                ("test_errors", list(h.test_errors)),
                ("train_predictions", from_usizes(&h.train_predictions)),
                ("test_predictions", from_usizes(&h.test_predictions)),
            ])
        }
        other => return Err(format!("modular has no graded item \"{other}\"")),
    })
}

/// The case's list of `forward`/`backward` calls.
fn calls(spec: &Value) -> Result<&Vec<Value>, String> {
    field(spec, "calls")?
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| "calls must be a non-empty list".to_string())
}

/// A network from its layers' description: `{"kind": "linear", "weights",
/// "bias"}` (with `"d_weights"`, `"d_bias"` when `gradients`), `{"kind":
/// "sigmoid"}` or `{"kind": "relu"}`.
fn network(layers: &Value, gradients: bool) -> Result<MultiLayerPerceptron, String> {
    let layers = layers.as_array().ok_or("layers must be a list")?;
    let mut out = Vec::with_capacity(layers.len());
    for l in layers {
        let kind = field(l, "kind")?.as_str().ok_or("kind must be text")?;
        out.push(match kind {
            "linear" => {
                let mut linear = Linear::new(tensor_field(l, "weights")?, vector_field(l, "bias")?);
                if gradients {
                    linear.d_weights = tensor_field(l, "d_weights")?;
                    linear.d_bias = vector_field(l, "d_bias")?;
                }
                Layer::Linear(linear)
            }
            "sigmoid" => Layer::Sigmoid(Sigmoid::default()),
            "relu" => Layer::ReLU(ReLU::default()),
            other => return Err(format!("unknown layer kind \"{other}\"")),
        });
    }
    Ok(MultiLayerPerceptron::new(out))
}
