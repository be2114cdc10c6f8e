//! twolayernet adapter: runs one graded item on one case's inputs.
//!
//! The same file is compiled into the reference (to produce the fixtures'
//! expected outputs) and into the probe (to call a student's code), so both
//! sides read inputs and shape outputs identically. `super::lab` is the lab
//! crate: the reference solution or the student's.
//!
//! `gradient_check` is the lab's numeric gradient check, run on whichever code
//! this is compiled with: centred differences through that code's own `loss`,
//! and that code's own gradients, both answered raw (per parameter). The
//! grader compares both with the true gradient, so that neither a made-up
//! relative error nor a made-up pair of gradients can pass it.

// Provided code through its own modules (restored by the grader), never
// through the student's crate root.
use super::lab::network::{Params, TrainOptions, TwoLayerNet};
use super::lab::rng::RandomState;
use crate::wire::{f64_field, field, from_f64, from_tensor, from_usizes, from_vector, outputs};
use crate::wire::{tensor_field, usize_field, usizes_field, vector_field};
use ndarray::Array2;
use serde_json::Value;

/// The graded items this adapter can run.
pub const ITEMS: &[&str] = &["scores", "loss", "gradient_check", "train", "predict"];

/// The parameters by the lab's names, in the order the lab's check prints them.
pub const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];

/// The step of the lab's `eval_numerical_gradient`.
pub const H: f64 = 0.00001;

pub fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    Ok(match item {
        "scores" => {
            let net = network(inputs)?;
            outputs([(
                "scores",
                from_tensor(&net.scores(&tensor_field(inputs, "X")?)),
            )])
        }
        "loss" => {
            let net = network(inputs)?;
            let (loss, g) = net.loss(
                &tensor_field(inputs, "X")?,
                &usizes_field(inputs, "y")?,
                f64_field(inputs, "reg")?,
            );
            outputs([
                ("loss", from_f64(loss)),
                ("W1", from_tensor(&g.w1)),
                ("b1", from_vector(&g.b1)),
                ("W2", from_tensor(&g.w2)),
                ("b2", from_vector(&g.b2)),
            ])
        }
        "gradient_check" => {
            let net = network(inputs)?;
            let (x, y, reg) = (
                tensor_field(inputs, "X")?,
                usizes_field(inputs, "y")?,
                f64_field(inputs, "reg")?,
            );
            let (_, analytic) = net.loss(&x, &y, reg);
            let numerical = numerical_gradient(&net, &x, &y, reg)?;
            let mut out = serde_json::Map::new();
            for name in PARAMS {
                for (kind, grads) in [("numerical", &numerical), ("analytic", &analytic)] {
                    let value = match name {
                        "W1" => from_tensor(&grads.w1),
                        "b1" => from_vector(&grads.b1),
                        "W2" => from_tensor(&grads.w2),
                        _ => from_vector(&grads.b2),
                    };
                    out.insert(format!("{name} {kind}"), value);
                }
            }
            Value::Object(out)
        }
        "train" => {
            let mut net = network(inputs)?;
            let t = field(inputs, "train")?;
            let opts = TrainOptions {
                learning_rate: f64_field(t, "learning_rate")?,
                learning_rate_decay: f64_field(t, "learning_rate_decay")?,
                reg: f64_field(t, "reg")?,
                num_iters: usize_field(t, "num_iters")?,
                batch_size: usize_field(t, "batch_size")?,
                verbose: false,
            };
            let stats = net.train(
                &tensor_field(t, "X")?,
                &usizes_field(t, "y")?,
                &tensor_field(t, "X_val")?,
                &usizes_field(t, "y_val")?,
                &opts,
            );
            let list = |v: Vec<f64>| Value::Array(v.into_iter().map(from_f64).collect());
            outputs([
                ("loss_history", list(stats.loss_history)),
                ("train_acc_history", list(stats.train_acc_history)),
                ("val_acc_history", list(stats.val_acc_history)),
            ])
        }
        "predict" => {
            let net = network(inputs)?;
            outputs([(
                "labels",
                from_usizes(&net.predict(&tensor_field(inputs, "X")?)),
            )])
        }
        other => return Err(format!("twolayernet has no graded item \"{other}\"")),
    })
}

/// The case's network: built from its sizes and seed (which also sets the
/// generator `train` samples with), then given the case's explicit parameters.
fn network(inputs: &Value) -> Result<TwoLayerNet, String> {
    let spec = field(inputs, "network")?;
    let seed = u32::try_from(usize_field(spec, "seed")?).map_err(|e| format!("seed: {e}"))?;
    let mut net = TwoLayerNet::new(
        usize_field(spec, "input_size")?,
        usize_field(spec, "hidden_size")?,
        usize_field(spec, "output_size")?,
        f64_field(spec, "std")?,
        RandomState::new(seed),
    );
    net.params = Params {
        w1: tensor_field(spec, "W1")?,
        b1: vector_field(spec, "b1")?,
        w2: tensor_field(spec, "W2")?,
        b2: vector_field(spec, "b2")?,
    };
    Ok(net)
}

/// A parameter's values in row-major order, its shape, by the lab's name.
fn flat(p: &Params, name: &str) -> (Vec<f64>, Vec<usize>) {
    match name {
        "W1" => (p.w1.iter().copied().collect(), p.w1.shape().to_vec()),
        "b1" => (p.b1.iter().copied().collect(), p.b1.shape().to_vec()),
        "W2" => (p.w2.iter().copied().collect(), p.w2.shape().to_vec()),
        _ => (p.b2.iter().copied().collect(), p.b2.shape().to_vec()),
    }
}

/// The `i`-th value (row-major) of a parameter, for perturbing it.
fn value_mut<'a>(p: &'a mut Params, name: &str, i: usize) -> &'a mut f64 {
    fn nth(a: &mut Array2<f64>, i: usize) -> &mut f64 {
        let cols = a.ncols();
        &mut a[[i / cols, i % cols]]
    }
    match name {
        "W1" => nth(&mut p.w1, i),
        "b1" => &mut p.b1[i],
        "W2" => nth(&mut p.w2, i),
        _ => &mut p.b2[i],
    }
}

/// The lab's `eval_numerical_gradient` for every parameter: centred
/// differences with step [`H`] of `loss(X, y, reg)`, shaped like the
/// parameters (whatever shape the code's own gradients have: the grader
/// compares those separately).
pub fn numerical_gradient(
    net: &TwoLayerNet,
    x: &Array2<f64>,
    y: &[usize],
    reg: f64,
) -> Result<Params, String> {
    let mut probe = net.clone();
    let mut numerical = net.params.clone();
    for name in PARAMS {
        let (values, _) = flat(&net.params, name);
        for (i, &old) in values.iter().enumerate() {
            *value_mut(&mut probe.params, name, i) = old + H;
            let plus = probe.loss(x, y, reg).0;
            *value_mut(&mut probe.params, name, i) = old - H;
            let minus = probe.loss(x, y, reg).0;
            *value_mut(&mut probe.params, name, i) = old;
            *value_mut(&mut numerical, name, i) = (plus - minus) / (2.0 * H);
        }
    }
    Ok(numerical)
}
