//! Homework 4, part 1: a neural network from scratch, in Rust.
//!
//! A 2-3-1 network: a hidden layer `W1`, `b1` and an output layer `W2`, `b2`,
//! both with the sigmoid activation, trained on the MSE loss. Everything works
//! on the whole batch at once: `X` is `(N, inputs)`, one row per point.
//!
//! Edit only this file. Fill in every `todo!()`; keep the signatures. The rest
//! of the crate (`network.rs`, `rng.rs`, `Cargo.toml`) is provided, and the
//! grader restores it, so changes there are lost.
//!
//! Keep your code general: the grader also uses other batch sizes (down to a
//! single point), other input and hidden widths, and non-zero biases. Printing
//! is allowed but ignored.

pub mod network;
pub mod rng;

pub use network::{lab_setup, Forward, Weights};
pub use rng::RandomState;

use ndarray::{Array, Array1, Array2, Dimension};

/// The sigmoid `1 / (1 + e^(-z))`, element-wise, for an array of any
/// dimension (a vector or a matrix). [10 marks]
pub fn sigmoid<D: Dimension>(z: &Array<f64, D>) -> Array<f64, D> {
    // BEGIN SOLUTION (handout: let _ = z;)
    z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
    // END SOLUTION
}

/// The forward pass [20 marks]:
///
/// ```text
/// Z1 = X · W1ᵀ + b1      H = sigmoid(Z1)
/// Z2 = H · W2ᵀ + b2      Y = sigmoid(Z2)
/// ```
pub fn forward_propagation(x: &Array2<f64>, w: &Weights) -> Forward {
    // BEGIN SOLUTION (handout: let _ = (x, w);)
    let z1 = x.dot(&w.w1.t()) + &w.b1;
    let h = sigmoid(&z1);
    let z2 = h.dot(&w.w2) + w.b2;
    let y = sigmoid(&z2);
    Forward { y, z2, h, z1 }
    // END SOLUTION
}

/// The backward pass: the gradients of the loss with respect to every
/// parameter (shaped like the parameters), and the loss itself,
/// `L = 1/(2N) · Σ (Y - Y_T)²`, where `Y_T` holds the true labels.
/// [loss 10 marks; W1 20, b1 15, W2 15, b2 10]
pub fn back_propagation(x: &Array2<f64>, y_t: &Array1<f64>, w: &Weights) -> (Weights, f64) {
    // BEGIN SOLUTION (handout: let _ = (x, y_t, w);)
    let n_points = x.nrows() as f64;
    let Forward { y, z2, h, z1 } = forward_propagation(x, w);
    let diff = &y - y_t;
    let loss = (1.0 / (2.0 * n_points)) * diff.mapv(|d| d * d).sum();

    let dl_dy = diff * (1.0 / n_points);
    let s2 = sigmoid(&z2);
    let dl_dz2 = dl_dy * &(&s2 * &s2.mapv(|s| 1.0 - s));
    let dl_dw2 = h.t().dot(&dl_dz2);
    let dl_db2 = dl_dz2.sum();
    let dl_dh = dl_dz2
        .view()
        .insert_axis(ndarray::Axis(1))
        .dot(&w.w2.view().insert_axis(ndarray::Axis(0)));
    let s1 = sigmoid(&z1);
    let dl_dz1 = dl_dh * &(&s1 * &s1.mapv(|s| 1.0 - s));
    let dl_dw1 = dl_dz1.t().dot(x);
    let dl_db1 = dl_dz1.sum_axis(ndarray::Axis(0));
    let gradients = Weights {
        w1: dl_dw1,
        b1: dl_db1,
        w2: dl_dw2,
        b2: dl_db2,
    };
    (gradients, loss)
    // END SOLUTION
}
