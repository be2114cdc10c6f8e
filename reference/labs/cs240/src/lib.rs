//! CS240 Week 7: a neural network from scratch, in Rust.
//!
//! Edit only this file. Fill in every `todo!()`; keep the signatures. The rest
//! of the crate (`network.rs`, `rng.rs`, `Cargo.toml`) is provided, and the
//! grader restores it, so changes there are lost.
//!
//! Keep your code generic: the grader uses networks with any number of layers
//! and any sizes, not only `[784, 8, 8, 10]`. Printing is allowed but ignored.

pub mod network;
pub mod rng;

pub use network::{Example, Gradients, Hyperparameters, NeuralNetwork};
pub use rng::RandomState;

use ndarray::Array2;

/// Section 1.2, hyperparameter tuning (ungraded): your network's shape and
/// training settings. The grader trains your `NeuralNetwork` with them on the
/// digits' training set (1,347 images of 8 × 8 pixels: 64 inputs, 10
/// classes) and ranks its accuracy on the 450 test images: around 82 %
/// acceptable, above 87 % good, above 90 % very good, above 92 % excellent.
/// `cargo run --release --example tune` trains and scores it on your machine.
pub fn hyperparameters() -> Hyperparameters {
    // BEGIN SOLUTION (handout instead: Hyperparameters { hidden_layers: vec![8, 8], eta: 3.0, mini_batch_size: 10, epochs: 30 })
    Hyperparameters {
        hidden_layers: vec![24],
        eta: 1.5,
        mini_batch_size: 10,
        epochs: 40,
    }
    // END SOLUTION
}

/// The sigmoid activation `1 / (1 + e^(-z))`, element-wise. [5 marks]
pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    // BEGIN SOLUTION (handout: let _ = z;)
    z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
    // END SOLUTION
}

/// The derivative of the sigmoid at the pre-activation `z`:
/// `sigmoid(z) * (1 - sigmoid(z))`, element-wise. [5 marks]
pub fn sigmoid_derivative(z: &Array2<f64>) -> Array2<f64> {
    // BEGIN SOLUTION (handout: let _ = z;)
    let s = sigmoid(z);
    &s * &s.mapv(|v| 1.0 - v)
    // END SOLUTION
}

/// The derivative of the cost with respect to the output activations: `a - y`.
/// [5 marks]
pub fn cost_derivative(output_activations: &Array2<f64>, y: &Array2<f64>) -> Array2<f64> {
    // BEGIN SOLUTION (handout: let _ = (output_activations, y);)
    output_activations - y
    // END SOLUTION
}

impl NeuralNetwork {
    /// The network's output `a^(L)` for one input column `x` of shape
    /// `(sizes[0], 1)`: `a = sigmoid(weights[l]^T a + biases[l])`, layer by layer.
    /// [10 marks]
    pub fn forward_pass(&self, x: &Array2<f64>) -> Array2<f64> {
        // BEGIN SOLUTION (handout: let _ = x;)
        let mut a = x.clone();
        for (w, b) in self.weights.iter().zip(&self.biases) {
            a = sigmoid(&(w.t().dot(&a) + b));
        }
        a
        // END SOLUTION
    }

    /// The cost over `data`: the mean over examples of `½ Σ_j (a_j - y_j)²`,
    /// where `a` is the network's output for the example's `x`. [5 marks]
    pub fn cost(&self, data: &[Example]) -> f64 {
        // BEGIN SOLUTION (handout: let _ = data;)
        let total: f64 = data
            .iter()
            .map(|(x, y)| {
                let diff = self.forward_pass(x) - y;
                0.5 * diff.mapv(|d| d * d).sum()
            })
            .sum();
        total / data.len() as f64
        // END SOLUTION
    }

    /// Gradients of the cost of one example `(x, y)` with respect to every bias
    /// and weight, shaped like `biases` and `weights`. Use `cost_derivative` and
    /// `sigmoid_derivative`. [25 marks for dc_db, 35 marks for dc_dw]
    pub fn back_propagation(&self, x: &Array2<f64>, y: &Array2<f64>) -> Gradients {
        // BEGIN SOLUTION (handout: let _ = (x, y);)
        // Forward, keeping every pre-activation and activation.
        let mut activations = vec![x.clone()];
        let mut zs = Vec::with_capacity(self.weights.len());
        for (w, b) in self.weights.iter().zip(&self.biases) {
            let z = w.t().dot(activations.last().expect("input is first")) + b;
            activations.push(sigmoid(&z));
            zs.push(z);
        }
        // Backward, from the output layer to the first hidden layer.
        let layers = self.weights.len();
        let mut dc_db = Vec::with_capacity(layers);
        let mut dc_dw = Vec::with_capacity(layers);
        let mut delta =
            cost_derivative(&activations[layers], y) * sigmoid_derivative(&zs[layers - 1]);
        for l in (0..layers).rev() {
            dc_dw.push(activations[l].dot(&delta.t()));
            let next = if l > 0 {
                Some(self.weights[l].dot(&delta) * sigmoid_derivative(&zs[l - 1]))
            } else {
                None
            };
            dc_db.push(delta);
            match next {
                Some(d) => delta = d,
                None => break,
            }
        }
        dc_db.reverse();
        dc_dw.reverse();
        Gradients { dc_db, dc_dw }
        // END SOLUTION
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
                // BEGIN SOLUTION (handout: let _ = (batch, eta);)
                let mut sum_db: Vec<Array2<f64>> =
                    self.biases.iter().map(|b| Array2::zeros(b.dim())).collect();
                let mut sum_dw: Vec<Array2<f64>> = self
                    .weights
                    .iter()
                    .map(|w| Array2::zeros(w.dim()))
                    .collect();
                for (x, y) in batch {
                    let g = self.back_propagation(x, y);
                    for (s, d) in sum_db.iter_mut().zip(&g.dc_db) {
                        *s += d;
                    }
                    for (s, d) in sum_dw.iter_mut().zip(&g.dc_dw) {
                        *s += d;
                    }
                }
                let step = eta / batch.len() as f64;
                for (b, s) in self.biases.iter_mut().zip(&sum_db) {
                    b.scaled_add(-step, s);
                }
                for (w, s) in self.weights.iter_mut().zip(&sum_dw) {
                    w.scaled_add(-step, s);
                }
                // END SOLUTION
            }
            cost_history.push(self.cost(training_data));
        }
        cost_history
    }
}
