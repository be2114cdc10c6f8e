//! CS240 Week 7: a neural network from scratch, in Rust.
//!
//! (An example upload: the handout with a first attempt at `sigmoid` that
//! does not compile. `grade` shows the compiler's message at its line, and
//! every test scores 0.)
//!
//! Edit only this file. Fill in every `todo!()`; keep the signatures. The rest
//! of the crate (`network.rs`, `rng.rs`, `Cargo.toml`) is provided, and the
//! grader restores it, so changes there are lost.
//!
//! Keep your code generic: the grader uses networks with any number of layers
//! and any sizes, not only `[784, 8, 8, 10]`. Printing is allowed but ignored.

mod network;
pub mod rng;

pub use network::{Example, Gradients, NeuralNetwork};
pub use rng::RandomState;

use ndarray::Array2;

/// The sigmoid activation `1 / (1 + e^(-z))`, element-wise. [5 marks]
pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    // Does not compile: integer literals, as in Python. Rust does not divide
    // an integer by an array of f64; the fix is `1.0 / (1.0 + (-z).exp())`.
    1 / (1 + (-z).exp())
}

/// The derivative of the sigmoid at the pre-activation `z`:
/// `sigmoid(z) * (1 - sigmoid(z))`, element-wise. [5 marks]
pub fn sigmoid_derivative(z: &Array2<f64>) -> Array2<f64> {
    let _ = z;
    todo!()
}

/// The derivative of the cost with respect to the output activations: `a - y`.
/// [5 marks]
pub fn cost_derivative(output_activations: &Array2<f64>, y: &Array2<f64>) -> Array2<f64> {
    let _ = (output_activations, y);
    todo!()
}

impl NeuralNetwork {
    /// The network's output `a^(L)` for one input column `x` of shape
    /// `(sizes[0], 1)`: `a = sigmoid(weights[l]^T a + biases[l])`, layer by layer.
    /// [10 marks]
    pub fn forward_pass(&self, x: &Array2<f64>) -> Array2<f64> {
        let _ = x;
        todo!()
    }

    /// The cost over `data`: the mean over examples of `½ Σ_j (a_j - y_j)²`,
    /// where `a` is the network's output for the example's `x`. [5 marks]
    pub fn cost(&self, data: &[Example]) -> f64 {
        let _ = data;
        todo!()
    }

    /// Gradients of the cost of one example `(x, y)` with respect to every bias
    /// and weight, shaped like `biases` and `weights`. Use `cost_derivative` and
    /// `sigmoid_derivative`. [25 marks for dc_db, 35 marks for dc_dw]
    pub fn back_propagation(&self, x: &Array2<f64>, y: &Array2<f64>) -> Gradients {
        let _ = (x, y);
        todo!()
    }

    /// Mini-batch gradient descent; returns the cost on `training_data` after
    /// each epoch. [10 marks]
    ///
    /// Each epoch shuffles `training_data` (provided), then walks consecutive
    /// mini-batches of `mini_batch_size` examples (the last may be shorter).
    /// For each batch, sum `back_propagation` over its examples and step
    /// `w -= (eta / batch_len) * sum_dw`, `b -= (eta / batch_len) * sum_db`,
    /// where `batch_len` is the number of examples in that batch.
    pub fn mini_batch_gd(
        &mut self,
        training_data: &mut [Example],
        epochs: usize,
        mini_batch_size: usize,
        eta: f64,
    ) -> Vec<f64> {
        let mut cost_history = Vec::with_capacity(epochs);
        for _ in 0..epochs {
            self.shuffle(training_data);
            for batch in training_data.chunks(mini_batch_size) {
                let _ = (batch, eta);
                todo!()
            }
            cost_history.push(self.cost(training_data));
        }
        cost_history
    }
}
