//! lab3 adapter: runs one graded item on one case's inputs.
//!
//! The same file is compiled into the reference (to produce the fixtures'
//! expected outputs) and into the probe (to call a student's code), so both
//! sides read inputs and shape outputs identically. `super::lab` is the lab
//! crate: the reference solution or the student's.
//!
//! Batches are `(features, m)`, one example per column. Each graded function
//! is an item of its own, so that a panic in one costs no other's outputs.
//! `numerical_gradient` runs on the student's `cost`, and `gradient_diff` on
//! numbers the student's code did not choose: a fixed pair of
//! nearly equal vectors from the case, and the student's numerical gradient
//! against the same gradient with a planted mistake (its biases' entries
//! summed over the batch, not averaged). The training items run the
//! handout's recipes (`network.rs`), which call the student's
//! `gradient_descent`, `backprop`, `autoencoder_cost` and `softmax_cost`, on
//! the case's `data` (the digits, one example per column), and answer with
//! raw results only: the classes the trained networks give the test digits
//! (the grader counts how many are right: the labels never come here) and
//! the trained autoencoder's reconstruction of them. Those come from the
//! adapter's own forward passes of the trained parameters, never from the
//! student's `predict` or `encode`, which could answer from anything they
//! were handed during training (a nearest-neighbour lookup is no training):
//! `predict` is graded on its own, on the analytic cases.
//!
//! The student's crate root is reached only for the graded functions; the
//! provided code (parameters, recipes) is reached through its own module,
//! which the grader restores, so no re-export in the student's file can
//! stand in for it.

use super::lab::network::{
    train_autoencoder, train_classifier, train_softmax, Params, SoftmaxParams, EPSILON,
};
use super::lab::{
    autoencoder_cost, backprop, cost, encode, forward, gradient_diff, numerical_gradient, predict,
    softmax, softmax_cost, softmax_predict,
};
use crate::wire::{f64_field, field, from_f64, from_tensor, from_usizes, from_vector, outputs};
use crate::wire::{tensor_field, usize_field, usizes_field, vector_field};
use ndarray::{Array1, Array2, Axis};
use serde_json::Value;

/// The graded items this adapter can run.
pub const ITEMS: &[&str] = &[
    "forward",
    "cost",
    "backprop",
    "numerical_gradient",
    "gradient_diff",
    "autoencoder_cost",
    "encode",
    "softmax",
    "softmax_cost",
    "softmax_predict",
    "predict",
    "train_classifier",
    "train_autoencoder",
    "softmax_features",
];

pub fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    let list = |v: Vec<f64>| Value::Array(v.into_iter().map(from_f64).collect());
    Ok(match item {
        "forward" => {
            let spec = field(inputs, "network")?;
            let f = forward(&params(spec)?, &tensor_field(spec, "x")?);
            outputs([
                ("z2", from_tensor(&f.z2)),
                ("a2", from_tensor(&f.a2)),
                ("z3", from_tensor(&f.z3)),
                ("a3", from_tensor(&f.a3)),
            ])
        }
        "cost" => {
            let spec = field(inputs, "network")?;
            let j = cost(
                &params(spec)?,
                &tensor_field(spec, "x")?,
                &tensor_field(spec, "y")?,
            );
            outputs([("cost", from_f64(j))])
        }
        "backprop" => {
            let spec = field(inputs, "network")?;
            let b = backprop(
                &params(spec)?,
                &tensor_field(spec, "x")?,
                &tensor_field(spec, "y")?,
            );
            outputs([
                ("cost", from_f64(b.cost)),
                ("delta3", from_tensor(&b.delta3)),
                ("delta2", from_tensor(&b.delta2)),
                ("grad", from_vector(&b.grad)),
            ])
        }
        "numerical_gradient" => {
            let spec = field(inputs, "network")?;
            let p = params(spec)?;
            let (x, y) = (tensor_field(spec, "x")?, tensor_field(spec, "y")?);
            outputs([("numerical", from_vector(&numerical(&p, &x, &y)))])
        }
        "gradient_diff" => {
            let spec = field(inputs, "network")?;
            let p = params(spec)?;
            let (x, y) = (tensor_field(spec, "x")?, tensor_field(spec, "y")?);
            let pair = field(inputs, "gradient_check")?;
            let diff = gradient_diff(&vector_field(pair, "u")?, &vector_field(pair, "v")?);
            let num = numerical(&p, &x, &y);
            let planted = biases_summed(&num, p.sizes(), x.ncols());
            outputs([
                ("diff", from_f64(diff)),
                ("diff_planted", from_f64(gradient_diff(&num, &planted))),
            ])
        }
        "autoencoder_cost" => {
            let spec = field(inputs, "autoencoder")?;
            let (j, grad) = autoencoder_cost(&params(spec)?, &tensor_field(spec, "x")?);
            outputs([("cost", from_f64(j)), ("grad", from_vector(&grad))])
        }
        "encode" => {
            let spec = field(inputs, "autoencoder")?;
            let features = encode(&params(spec)?, &tensor_field(spec, "x")?);
            outputs([("features", from_tensor(&features))])
        }
        "softmax" => {
            let spec = field(inputs, "softmax")?;
            let probabilities = softmax(&tensor_field(spec, "z")?);
            outputs([("probabilities", from_tensor(&probabilities))])
        }
        "softmax_cost" => {
            let spec = field(inputs, "softmax")?;
            let (j, grad) = softmax_cost(
                &softmax_params(spec)?,
                &tensor_field(spec, "x")?,
                &usizes_field(spec, "labels")?,
            );
            outputs([("cost", from_f64(j)), ("grad", from_vector(&grad))])
        }
        "softmax_predict" => {
            let spec = field(inputs, "softmax")?;
            let classes = softmax_predict(&softmax_params(spec)?, &tensor_field(spec, "x")?);
            outputs([("predictions", from_usizes(&classes))])
        }
        "predict" => {
            let spec = field(inputs, "network")?;
            let classes = predict(&params(spec)?, &tensor_field(spec, "x")?);
            outputs([("predictions", from_usizes(&classes))])
        }
        "train_classifier" => {
            let (spec, data) = (field(inputs, "train_classifier")?, field(inputs, "data")?);
            let (x, labels) = (
                tensor_field(data, "train_x")?,
                usizes_field(data, "train_y")?,
            );
            let (p, history) = train_classifier(
                &x,
                &labels,
                usize_field(spec, "hidden")?,
                seed(spec)?,
                usize_field(spec, "iterations")?,
                f64_field(spec, "learning_rate")?,
            );
            let output = reconstruct(&p, &tensor_field(data, "test_x")?);
            outputs([
                ("loss_history", list(history)),
                ("test_predictions", from_usizes(&argmax_columns(&output))),
            ])
        }
        "train_autoencoder" => {
            let (spec, data) = (field(inputs, "train_autoencoder")?, field(inputs, "data")?);
            let x = tensor_field(data, "train_x")?;
            let (p, history) = train_autoencoder(
                &x,
                usize_field(spec, "hidden")?,
                seed(spec)?,
                usize_field(spec, "iterations")?,
                f64_field(spec, "learning_rate")?,
            );
            outputs([
                ("loss_history", list(history)),
                (
                    "test_reconstruction",
                    from_tensor(&reconstruct(&p, &tensor_field(data, "test_x")?)),
                ),
            ])
        }
        "softmax_features" => {
            let (spec, data) = (field(inputs, "softmax_features")?, field(inputs, "data")?);
            let (x, labels) = (
                tensor_field(data, "train_x")?,
                usizes_field(data, "train_y")?,
            );
            let test_x = tensor_field(data, "test_x")?;
            let (iterations, rate) = (
                usize_field(spec, "softmax_iterations")?,
                f64_field(spec, "softmax_learning_rate")?,
            );
            let (raw, raw_history) = train_softmax(&x, &labels, iterations, rate);
            let (ae, _) = train_autoencoder(
                &x,
                usize_field(spec, "hidden")?,
                seed(spec)?,
                usize_field(spec, "autoencoder_iterations")?,
                f64_field(spec, "autoencoder_learning_rate")?,
            );
            // The features are the trained encoder's, by the grader's own
            // forward pass (`encode` is graded on its own, in the
            // autoencoder item).
            let (features, test_features) = (hidden(&ae, &x), hidden(&ae, &test_x));
            let (on_features, features_history) =
                train_softmax(&features, &labels, iterations, rate);
            outputs([
                ("raw_loss_history", list(raw_history)),
                ("features_loss_history", list(features_history)),
                ("raw_predictions", from_usizes(&classes(&raw, &test_x))),
                (
                    "features_predictions",
                    from_usizes(&classes(&on_features, &test_features)),
                ),
            ])
        }
        other => return Err(format!("lab3 has no graded item \"{other}\"")),
    })
}

/// The student's centred differences of the student's own `cost` at the
/// network's parameters (the seed's ε).
fn numerical(p: &Params, x: &Array2<f64>, y: &Array2<f64>) -> Array1<f64> {
    let (i, h, o) = p.sizes();
    numerical_gradient(
        |t| cost(&Params::unflatten(t, i, h, o), x, y),
        &p.flatten(),
        EPSILON,
    )
}

/// The softmax classifier `{"w", "b"}` of a spec.
fn softmax_params(spec: &Value) -> Result<SoftmaxParams, String> {
    Ok(SoftmaxParams {
        w: tensor_field(spec, "w")?,
        b: vector_field(spec, "b")?,
    })
}

/// The network `{"w1", "b1", "w2", "b2"}` of a spec.
fn params(spec: &Value) -> Result<Params, String> {
    Ok(Params {
        w1: tensor_field(spec, "w1")?,
        b1: vector_field(spec, "b1")?,
        w2: tensor_field(spec, "w2")?,
        b2: vector_field(spec, "b2")?,
    })
}

/// The gradient check's planted mistake: `gradient` (flat, in
/// `Params::flatten`'s order) with its biases' entries multiplied by the
/// batch size `m`, as if summed over the batch instead of averaged.
fn biases_summed(
    gradient: &Array1<f64>,
    (i, h, o): (usize, usize, usize),
    m: usize,
) -> Array1<f64> {
    let mut p = Params::unflatten(gradient, i, h, o);
    p.b1 *= m as f64;
    p.b2 *= m as f64;
    p.flatten()
}

/// The trained network's output `σ(W2 σ(W1 x + b1) + b2)` for every column of
/// `x`: the grader's own forward pass (the item grades training; a bug in
/// the student's `forward` costs the forward tests, not this one).
fn reconstruct(p: &Params, x: &Array2<f64>) -> Array2<f64> {
    logistic(p.w2.dot(&hidden(p, x)) + p.b2.view().insert_axis(Axis(1)))
}

/// The hidden layer `σ(W1 x + b1)`, by the grader's own arithmetic.
fn hidden(p: &Params, x: &Array2<f64>) -> Array2<f64> {
    logistic(p.w1.dot(x) + p.b1.view().insert_axis(Axis(1)))
}

fn logistic(z: Array2<f64>) -> Array2<f64> {
    z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
}

/// The softmax classifier's class of every column of `x`, the argmax of
/// `W x + b` (the first on ties), by the grader's own arithmetic.
fn classes(p: &SoftmaxParams, x: &Array2<f64>) -> Vec<usize> {
    argmax_columns(&(p.w.dot(x) + p.b.view().insert_axis(Axis(1))))
}

/// The index of the largest entry of every column (the first on ties).
fn argmax_columns(z: &Array2<f64>) -> Vec<usize> {
    z.columns()
        .into_iter()
        .map(|c| {
            let mut best = 0;
            for (k, &v) in c.iter().enumerate() {
                if v > c[best] {
                    best = k;
                }
            }
            best
        })
        .collect()
}

fn seed(spec: &Value) -> Result<u32, String> {
    u32::try_from(usize_field(spec, "seed")?).map_err(|e| e.to_string())
}
