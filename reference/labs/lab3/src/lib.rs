//! Lab 3 (seed 003), in Rust: backpropagation in a one-hidden-layer sigmoid
//! network, gradient checking, an autoencoder and a softmax classifier, and
//! batch gradient descent on handwritten digits.
//!
//! Edit only this file. Fill in every `todo!()`; keep the signatures. The
//! rest of the crate (`network.rs`: the parameters, their flat order, the
//! seeded initialisation and the training recipes; `data.rs`, the data
//! loader; `rng.rs`; `Cargo.toml`; `data/digits.csv`) is provided, and the
//! grader restores it, so changes there are lost.
//!
//! Conventions: as in the seed's `z = W x + b`, a batch is a matrix with
//! **one example per column** (`x` is `(features, m)`, `y` is `(outputs, m)`;
//! `Dataset` from `data.rs` has one example per row: transpose it). Gradients
//! are **averaged** over the batch and returned as one flat vector in
//! [`Params::flatten`]'s order: `W1` row by row, `b1`, `W2` row by row, `b2`.
//!
//! Keep your code general: the grader uses other sizes than the seed's
//! 8-5-10 network and batch of 100. Printing is allowed but ignored.

pub mod data;
pub mod network;
pub mod rng;

pub use data::Dataset;
pub use network::{
    accuracy, init_params, one_hot, train_autoencoder, train_classifier, train_softmax, Backprop,
    Forward, Params, SoftmaxParams, EPSILON, NUM_CLASSES,
};
pub use rng::RandomState;

use ndarray::{Array1, Array2};
// The solution regions broadcast biases along Axis(1); the handout's stubs do not.
#[allow(unused_imports)]
use ndarray::Axis;

/// The logistic sigmoid `1 / (1 + e^-z)`, element-wise, finite for any input
/// (the grader's hidden units reach ±thousands).
pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    // BEGIN SOLUTION (handout: let _ = z;)
    z.mapv(|v| {
        if v >= 0.0 {
            1.0 / (1.0 + (-v).exp())
        } else {
            let e = v.exp();
            e / (1.0 + e)
        }
    })
    // END SOLUTION
}

/// Part 1, step 1: `z2 = W1 x + b1`, `a2 = σ(z2)`, `z3 = W2 a2 + b2`,
/// `a3 = σ(z3)`, for every column of `x` at once. [forward pass]
pub fn forward(params: &Params, x: &Array2<f64>) -> Forward {
    // BEGIN SOLUTION (handout: let _ = (params, x);)
    let z2 = params.w1.dot(x) + params.b1.view().insert_axis(Axis(1));
    let a2 = sigmoid(&z2);
    let z3 = params.w2.dot(&a2) + params.b2.view().insert_axis(Axis(1));
    let a3 = sigmoid(&z3);
    Forward { z2, a2, z3, a3 }
    // END SOLUTION
}

/// Part 1, step 2: the squared-error cost **averaged over the batch**:
/// `J = (1/m) Σᵢ ½ ‖a3⁽ⁱ⁾ - y⁽ⁱ⁾‖²` (the seed's equation (1) for one
/// example, averaged over the `m` columns). [cost]
pub fn cost(params: &Params, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    // BEGIN SOLUTION (handout: let _ = (params, x, y);)
    let a3 = forward(params, x).a3;
    let m = x.ncols() as f64;
    0.5 * (&a3 - y).mapv(|d| d * d).sum() / m
    // END SOLUTION
}

/// Part 1, steps 2 to 4: the cost, the error terms (one column per example,
/// **not** divided by `m`) `δ3 = (a3 - y) ⊙ a3 ⊙ (1 - a3)` and
/// `δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 - a2)`, and the gradients averaged over the batch
/// (`∂J/∂W2 = (1/m) δ3 a2ᵀ`, `∂J/∂b2 = (1/m) Σᵢ δ3⁽ⁱ⁾`, `∂J/∂W1 = (1/m) δ2
/// xᵀ`, `∂J/∂b1 = (1/m) Σᵢ δ2⁽ⁱ⁾`) in [`Params::flatten`]'s order.
/// [error terms, gradient]
pub fn backprop(params: &Params, x: &Array2<f64>, y: &Array2<f64>) -> Backprop {
    // BEGIN SOLUTION (handout: let _ = (params, x, y);)
    let f = forward(params, x);
    let m = x.ncols() as f64;
    let delta3 = (&f.a3 - y) * &f.a3.mapv(|a| a * (1.0 - a));
    let delta2 = params.w2.t().dot(&delta3) * &f.a2.mapv(|a| a * (1.0 - a));
    let grads = Params {
        w1: delta2.dot(&x.t()) / m,
        b1: delta2.sum_axis(Axis(1)) / m,
        w2: delta3.dot(&f.a2.t()) / m,
        b2: delta3.sum_axis(Axis(1)) / m,
    };
    Backprop {
        cost: 0.5 * (&f.a3 - y).mapv(|d| d * d).sum() / m,
        delta3,
        delta2,
        grad: grads.flatten(),
    }
    // END SOLUTION
}

/// Part 1, step 5: the centred-difference gradient of `f` at `theta`:
/// component `i` is `(f(θ + ε eᵢ) - f(θ - ε eᵢ)) / (2ε)`. [gradient check]
pub fn numerical_gradient<F: Fn(&Array1<f64>) -> f64>(
    f: F,
    theta: &Array1<f64>,
    epsilon: f64,
) -> Array1<f64> {
    // BEGIN SOLUTION (handout: let _ = (f, theta, epsilon);)
    let mut grad = Array1::zeros(theta.len());
    let mut t = theta.clone();
    for i in 0..theta.len() {
        t[i] = theta[i] + epsilon;
        let plus = f(&t);
        t[i] = theta[i] - epsilon;
        let minus = f(&t);
        t[i] = theta[i];
        grad[i] = (plus - minus) / (2.0 * epsilon);
    }
    grad
    // END SOLUTION
}

/// The seed's `diff = ‖num - ana‖ / ‖num + ana‖` (Euclidean norms): small
/// (around 1e-9 or less) when the two gradients agree. [gradient check]
pub fn gradient_diff(numerical: &Array1<f64>, analytic: &Array1<f64>) -> f64 {
    // BEGIN SOLUTION (handout: let _ = (numerical, analytic);)
    let norm = |v: Array1<f64>| v.mapv(|e| e * e).sum().sqrt();
    norm(numerical - analytic) / norm(numerical + analytic)
    // END SOLUTION
}

/// Part 3: the autoencoder's cost and flat gradient: the network of part 1
/// with the input as its target (`y = x`, so `output = input`). [autoencoder]
pub fn autoencoder_cost(params: &Params, x: &Array2<f64>) -> (f64, Array1<f64>) {
    // BEGIN SOLUTION (handout: let _ = (params, x);)
    let b = backprop(params, x, x);
    (b.cost, b.grad)
    // END SOLUTION
}

/// Part 6, step 4: the encoder's features `σ(W1 x + b1)`, `(hidden, m)`.
/// [autoencoder]
pub fn encode(params: &Params, x: &Array2<f64>) -> Array2<f64> {
    // BEGIN SOLUTION (handout: let _ = (params, x);)
    sigmoid(&(params.w1.dot(x) + params.b1.view().insert_axis(Axis(1))))
    // END SOLUTION
}

/// The softmax of every **column** of `z` (`(classes, m)`), subtracting each
/// column's maximum before exponentiating (the grader's scores reach ±800).
/// [softmax]
pub fn softmax(z: &Array2<f64>) -> Array2<f64> {
    // BEGIN SOLUTION (handout: let _ = z;)
    let mut p = z.clone();
    for mut col in p.columns_mut() {
        let max = col.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
        col.mapv_inplace(|v| (v - max).exp());
        let sum = col.sum();
        col /= sum;
    }
    p
    // END SOLUTION
}

/// Part 6, step 2: the softmax classifier's cost, the average cross-entropy
/// `J = -(1/m) Σᵢ log p⁽ⁱ⁾_{labels[i]}` with `p = softmax(W x + b)` (no
/// weight decay: the seed has none), and its flat gradient (`∂J/∂W =
/// (1/m) (p - Y) xᵀ` row by row, then `∂J/∂b = (1/m) Σᵢ (p⁽ⁱ⁾ - y⁽ⁱ⁾)`).
/// Keep the cost finite when a probability underflows. [softmax]
pub fn softmax_cost(
    params: &SoftmaxParams,
    x: &Array2<f64>,
    labels: &[usize],
) -> (f64, Array1<f64>) {
    // BEGIN SOLUTION (handout: let _ = (params, x, labels);)
    let z = params.w.dot(x) + params.b.view().insert_axis(Axis(1));
    let m = x.ncols() as f64;
    let mut total = 0.0;
    for (col, &label) in z.columns().into_iter().zip(labels) {
        let max = col.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
        let log_sum = col.mapv(|v| (v - max).exp()).sum().ln();
        total -= col[label] - max - log_sum;
    }
    let delta = softmax(&z) - one_hot(labels, z.nrows());
    let grads = SoftmaxParams {
        w: delta.dot(&x.t()) / m,
        b: delta.sum_axis(Axis(1)) / m,
    };
    (total / m, grads.flatten())
    // END SOLUTION
}

/// The index of the largest entry of every column (the first on ties).
/// Provided: a prediction is the class with the largest output.
pub fn argmax_columns(z: &Array2<f64>) -> Vec<usize> {
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

/// Part 6, step 3: the class of every column of `x`, the argmax of
/// `W x + b` (the first on ties). [softmax]
pub fn softmax_predict(params: &SoftmaxParams, x: &Array2<f64>) -> Vec<usize> {
    // BEGIN SOLUTION (handout: let _ = (params, x);)
    argmax_columns(&(params.w.dot(x) + params.b.view().insert_axis(Axis(1))))
    // END SOLUTION
}

/// Part 2: the class of every column of `x`, the argmax of the network's
/// output `a3` (the first on ties). [training]
pub fn predict(params: &Params, x: &Array2<f64>) -> Vec<usize> {
    // BEGIN SOLUTION (handout: let _ = (params, x);)
    argmax_columns(&forward(params, x).a3)
    // END SOLUTION
}

/// Plain batch gradient descent, as the handout fixes it: from `theta`,
/// `iterations` steps `θ ← θ - learning_rate · ∇J(θ)` with `(J(θ), ∇J(θ)) =
/// cost_and_grad(θ)`, on the whole batch, no shuffling. Returns the final `θ`
/// and the loss history: `J` at the start of every step (`iterations`
/// values, the first at the initial `θ`). [training]
pub fn gradient_descent<F: FnMut(&Array1<f64>) -> (f64, Array1<f64>)>(
    mut cost_and_grad: F,
    theta: &Array1<f64>,
    iterations: usize,
    learning_rate: f64,
) -> (Array1<f64>, Vec<f64>) {
    // BEGIN SOLUTION (handout: let _ = (&mut cost_and_grad, theta, iterations, learning_rate);)
    let mut theta = theta.clone();
    let mut history = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let (j, grad) = cost_and_grad(&theta);
        history.push(j);
        theta -= &(grad * learning_rate);
    }
    (theta, history)
    // END SOLUTION
}
