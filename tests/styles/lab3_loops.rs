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
    let rows = z.nrows();
    let cols = z.ncols();
    let mut result = Array2::zeros((rows, cols));
    for i in 0..rows {
        for j in 0..cols {
            let v = z[[i, j]];
            if v >= 0.0 {
                result[[i, j]] = 1.0 / (1.0 + (-v).exp());
            } else {
                let e = v.exp();
                result[[i, j]] = e / (1.0 + e);
            }
        }
    }
    result
}

/// Part 1, step 1: `z2 = W1 x + b1`, `a2 = σ(z2)`, `z3 = W2 a2 + b2`,
/// `a3 = σ(z3)`, for every column of `x` at once. [forward pass]
pub fn forward(params: &Params, x: &Array2<f64>) -> Forward {
    let hidden = params.w1.nrows();
    let inputs = params.w1.ncols();
    let outputs = params.w2.nrows();
    let m = x.ncols();
    let mut z2 = Array2::zeros((hidden, m));
    for i in 0..hidden {
        for j in 0..m {
            let mut total = 0.0;
            for k in 0..inputs {
                total += params.w1[[i, k]] * x[[k, j]];
            }
            z2[[i, j]] = total + params.b1[i];
        }
    }
    let a2 = sigmoid(&z2);
    let mut z3 = Array2::zeros((outputs, m));
    for i in 0..outputs {
        for j in 0..m {
            let mut total = 0.0;
            for k in 0..hidden {
                total += params.w2[[i, k]] * a2[[k, j]];
            }
            z3[[i, j]] = total + params.b2[i];
        }
    }
    let a3 = sigmoid(&z3);
    Forward { z2, a2, z3, a3 }
}

/// Part 1, step 2: the squared-error cost **averaged over the batch**:
/// `J = (1/m) Σᵢ ½ ‖a3⁽ⁱ⁾ - y⁽ⁱ⁾‖²` (the seed's equation (1) for one
/// example, averaged over the `m` columns). [cost]
pub fn cost(params: &Params, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let a3 = forward(params, x).a3;
    let m = x.ncols();
    let mut total = 0.0;
    for i in 0..a3.nrows() {
        for j in 0..m {
            let d = a3[[i, j]] - y[[i, j]];
            total += d * d;
        }
    }
    0.5 * total / m as f64
}

/// Part 1, steps 2 to 4: the cost, the error terms (one column per example,
/// **not** divided by `m`) `δ3 = (a3 - y) ⊙ a3 ⊙ (1 - a3)` and
/// `δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 - a2)`, and the gradients averaged over the batch
/// (`∂J/∂W2 = (1/m) δ3 a2ᵀ`, `∂J/∂b2 = (1/m) Σᵢ δ3⁽ⁱ⁾`, `∂J/∂W1 = (1/m) δ2
/// xᵀ`, `∂J/∂b1 = (1/m) Σᵢ δ2⁽ⁱ⁾`) in [`Params::flatten`]'s order.
/// [error terms, gradient]
pub fn backprop(params: &Params, x: &Array2<f64>, y: &Array2<f64>) -> Backprop {
    let f = forward(params, x);
    let hidden = params.w1.nrows();
    let inputs = params.w1.ncols();
    let outputs = params.w2.nrows();
    let m = x.ncols();
    let mf = m as f64;

    // Cost.
    let mut total = 0.0;
    for i in 0..outputs {
        for j in 0..m {
            let d = f.a3[[i, j]] - y[[i, j]];
            total += d * d;
        }
    }
    let cost = 0.5 * total / mf;

    // delta3 = (a3 - y) * a3 * (1 - a3)
    let mut delta3 = Array2::zeros((outputs, m));
    for i in 0..outputs {
        for j in 0..m {
            let a = f.a3[[i, j]];
            delta3[[i, j]] = (a - y[[i, j]]) * (a * (1.0 - a));
        }
    }
    // delta2 = (W2^T delta3) * a2 * (1 - a2)
    let mut delta2 = Array2::zeros((hidden, m));
    for i in 0..hidden {
        for j in 0..m {
            let mut total = 0.0;
            for k in 0..outputs {
                total += params.w2[[k, i]] * delta3[[k, j]];
            }
            let a = f.a2[[i, j]];
            delta2[[i, j]] = total * (a * (1.0 - a));
        }
    }

    // Gradients, averaged over the batch.
    let mut w1 = Array2::zeros((hidden, inputs));
    for i in 0..hidden {
        for k in 0..inputs {
            let mut total = 0.0;
            for j in 0..m {
                total += delta2[[i, j]] * x[[k, j]];
            }
            w1[[i, k]] = total / mf;
        }
    }
    let mut b1 = Array1::zeros(hidden);
    for i in 0..hidden {
        let mut total = 0.0;
        for j in 0..m {
            total += delta2[[i, j]];
        }
        b1[i] = total / mf;
    }
    let mut w2 = Array2::zeros((outputs, hidden));
    for i in 0..outputs {
        for k in 0..hidden {
            let mut total = 0.0;
            for j in 0..m {
                total += delta3[[i, j]] * f.a2[[k, j]];
            }
            w2[[i, k]] = total / mf;
        }
    }
    let mut b2 = Array1::zeros(outputs);
    for i in 0..outputs {
        let mut total = 0.0;
        for j in 0..m {
            total += delta3[[i, j]];
        }
        b2[i] = total / mf;
    }
    let grads = Params { w1, b1, w2, b2 };
    Backprop {
        cost,
        delta3,
        delta2,
        grad: grads.flatten(),
    }
}

/// Part 1, step 5: the centred-difference gradient of `f` at `theta`:
/// component `i` is `(f(θ + ε eᵢ) - f(θ - ε eᵢ)) / (2ε)`. [gradient check]
pub fn numerical_gradient<F: Fn(&Array1<f64>) -> f64>(
    f: F,
    theta: &Array1<f64>,
    epsilon: f64,
) -> Array1<f64> {
    let n = theta.len();
    let mut grad = Array1::zeros(n);
    for i in 0..n {
        let mut plus = theta.clone();
        plus[i] = theta[i] + epsilon;
        let mut minus = theta.clone();
        minus[i] = theta[i] - epsilon;
        grad[i] = (f(&plus) - f(&minus)) / (2.0 * epsilon);
    }
    grad
}

/// The seed's `diff = ‖num - ana‖ / ‖num + ana‖` (Euclidean norms): small
/// (around 1e-9 or less) when the two gradients agree. [gradient check]
pub fn gradient_diff(numerical: &Array1<f64>, analytic: &Array1<f64>) -> f64 {
    let mut diff_squares = 0.0;
    let mut sum_squares = 0.0;
    for i in 0..numerical.len() {
        let d = numerical[i] - analytic[i];
        let s = numerical[i] + analytic[i];
        diff_squares += d * d;
        sum_squares += s * s;
    }
    diff_squares.sqrt() / sum_squares.sqrt()
}

/// Part 3: the autoencoder's cost and flat gradient: the network of part 1
/// with the input as its target (`y = x`, so `output = input`). [autoencoder]
pub fn autoencoder_cost(params: &Params, x: &Array2<f64>) -> (f64, Array1<f64>) {
    let b = backprop(params, x, x);
    (b.cost, b.grad)
}

/// Part 6, step 4: the encoder's features `σ(W1 x + b1)`, `(hidden, m)`.
/// [autoencoder]
pub fn encode(params: &Params, x: &Array2<f64>) -> Array2<f64> {
    let hidden = params.w1.nrows();
    let inputs = params.w1.ncols();
    let m = x.ncols();
    let mut z2 = Array2::zeros((hidden, m));
    for i in 0..hidden {
        for j in 0..m {
            let mut total = 0.0;
            for k in 0..inputs {
                total += params.w1[[i, k]] * x[[k, j]];
            }
            z2[[i, j]] = total + params.b1[i];
        }
    }
    sigmoid(&z2)
}

/// The softmax of every **column** of `z` (`(classes, m)`), subtracting each
/// column's maximum before exponentiating (the grader's scores reach ±800).
/// [softmax]
pub fn softmax(z: &Array2<f64>) -> Array2<f64> {
    let rows = z.nrows();
    let cols = z.ncols();
    let mut p = Array2::zeros((rows, cols));
    for j in 0..cols {
        let mut max = z[[0, j]];
        for i in 1..rows {
            if z[[i, j]] > max {
                max = z[[i, j]];
            }
        }
        let mut total = 0.0;
        for i in 0..rows {
            p[[i, j]] = (z[[i, j]] - max).exp();
            total += p[[i, j]];
        }
        for i in 0..rows {
            p[[i, j]] = p[[i, j]] / total;
        }
    }
    p
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
    let classes = params.w.nrows();
    let features = params.w.ncols();
    let m = x.ncols();
    let mf = m as f64;
    // z = W x + b
    let mut z = Array2::zeros((classes, m));
    for i in 0..classes {
        for j in 0..m {
            let mut total = 0.0;
            for k in 0..features {
                total += params.w[[i, k]] * x[[k, j]];
            }
            z[[i, j]] = total + params.b[i];
        }
    }
    // Cost: log p = z - max - log(sum exp(z - max)), finite even if p underflows.
    let mut cost = 0.0;
    for j in 0..m {
        let mut max = z[[0, j]];
        for i in 1..classes {
            if z[[i, j]] > max {
                max = z[[i, j]];
            }
        }
        let mut total = 0.0;
        for i in 0..classes {
            total += (z[[i, j]] - max).exp();
        }
        cost -= z[[labels[j], j]] - max - total.ln();
    }
    cost = cost / mf;
    // delta = p - Y
    let p = softmax(&z);
    let mut delta = Array2::zeros((classes, m));
    for i in 0..classes {
        for j in 0..m {
            delta[[i, j]] = p[[i, j]];
            if labels[j] == i {
                delta[[i, j]] -= 1.0;
            }
        }
    }
    let mut w = Array2::zeros((classes, features));
    for i in 0..classes {
        for k in 0..features {
            let mut total = 0.0;
            for j in 0..m {
                total += delta[[i, j]] * x[[k, j]];
            }
            w[[i, k]] = total / mf;
        }
    }
    let mut b = Array1::zeros(classes);
    for i in 0..classes {
        let mut total = 0.0;
        for j in 0..m {
            total += delta[[i, j]];
        }
        b[i] = total / mf;
    }
    let grads = SoftmaxParams { w, b };
    (cost, grads.flatten())
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
    let classes = params.w.nrows();
    let features = params.w.ncols();
    let m = x.ncols();
    let mut z = Array2::zeros((classes, m));
    for i in 0..classes {
        for j in 0..m {
            let mut total = 0.0;
            for k in 0..features {
                total += params.w[[i, k]] * x[[k, j]];
            }
            z[[i, j]] = total + params.b[i];
        }
    }
    argmax_columns(&z)
}

/// Part 2: the class of every column of `x`, the argmax of the network's
/// output `a3` (the first on ties). [training]
pub fn predict(params: &Params, x: &Array2<f64>) -> Vec<usize> {
    let f = forward(params, x);
    argmax_columns(&f.a3)
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
    let mut theta = theta.clone();
    let mut history = Vec::new();
    for _ in 0..iterations {
        let (j, grad) = cost_and_grad(&theta);
        history.push(j);
        for i in 0..theta.len() {
            theta[i] = theta[i] - learning_rate * grad[i];
        }
    }
    (theta, history)
}
