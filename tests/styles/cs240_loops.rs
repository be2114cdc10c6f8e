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
    Hyperparameters {
        hidden_layers: vec![24],
        eta: 1.5,
        mini_batch_size: 10,
        epochs: 40,
    }
}

/// The sigmoid activation `1 / (1 + e^(-z))`, element-wise. [5 marks]
pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    let rows = z.nrows();
    let cols = z.ncols();
    let mut result = Array2::zeros((rows, cols));
    for i in 0..rows {
        for j in 0..cols {
            result[[i, j]] = 1.0 / (1.0 + (-z[[i, j]]).exp());
        }
    }
    result
}

/// The derivative of the sigmoid at the pre-activation `z`:
/// `sigmoid(z) * (1 - sigmoid(z))`, element-wise. [5 marks]
pub fn sigmoid_derivative(z: &Array2<f64>) -> Array2<f64> {
    let s = sigmoid(z);
    let rows = s.nrows();
    let cols = s.ncols();
    let mut result = Array2::zeros((rows, cols));
    for i in 0..rows {
        for j in 0..cols {
            result[[i, j]] = s[[i, j]] * (1.0 - s[[i, j]]);
        }
    }
    result
}

/// The derivative of the cost with respect to the output activations: `a - y`.
/// [5 marks]
pub fn cost_derivative(output_activations: &Array2<f64>, y: &Array2<f64>) -> Array2<f64> {
    let rows = output_activations.nrows();
    let cols = output_activations.ncols();
    let mut result = Array2::zeros((rows, cols));
    for i in 0..rows {
        for j in 0..cols {
            result[[i, j]] = output_activations[[i, j]] - y[[i, j]];
        }
    }
    result
}

impl NeuralNetwork {
    /// The network's output `a^(L)` for one input column `x` of shape
    /// `(sizes[0], 1)`: `a = sigmoid(weights[l]^T a + biases[l])`, layer by layer.
    /// [10 marks]
    pub fn forward_pass(&self, x: &Array2<f64>) -> Array2<f64> {
        let mut a = x.clone();
        for l in 0..self.weights.len() {
            let w = &self.weights[l];
            let b = &self.biases[l];
            // z = w^T a + b
            let n_in = w.nrows();
            let n_out = w.ncols();
            let cols = a.ncols();
            let mut z = Array2::zeros((n_out, cols));
            for j in 0..n_out {
                for c in 0..cols {
                    let mut total = 0.0;
                    for k in 0..n_in {
                        total += w[[k, j]] * a[[k, c]];
                    }
                    z[[j, c]] = total + b[[j, 0]];
                }
            }
            a = sigmoid(&z);
        }
        a
    }

    /// The cost over `data`: the mean over examples of `½ Σ_j (a_j - y_j)²`,
    /// where `a` is the network's output for the example's `x`. [5 marks]
    pub fn cost(&self, data: &[Example]) -> f64 {
        let mut total = 0.0;
        for n in 0..data.len() {
            let x = &data[n].0;
            let y = &data[n].1;
            let a = self.forward_pass(x);
            let mut example_cost = 0.0;
            for i in 0..a.nrows() {
                for j in 0..a.ncols() {
                    let d = a[[i, j]] - y[[i, j]];
                    example_cost += d * d;
                }
            }
            total += 0.5 * example_cost;
        }
        total / data.len() as f64
    }

    /// Gradients of the cost of one example `(x, y)` with respect to every bias
    /// and weight, shaped like `biases` and `weights`. Use `cost_derivative` and
    /// `sigmoid_derivative`. [25 marks for dc_db, 35 marks for dc_dw]
    pub fn back_propagation(&self, x: &Array2<f64>, y: &Array2<f64>) -> Gradients {
        let layers = self.weights.len();

        // Forward pass, keeping every z and every activation.
        let mut activations: Vec<Array2<f64>> = Vec::new();
        let mut zs: Vec<Array2<f64>> = Vec::new();
        activations.push(x.clone());
        for l in 0..layers {
            let w = &self.weights[l];
            let b = &self.biases[l];
            let a = &activations[l];
            let n_in = w.nrows();
            let n_out = w.ncols();
            let cols = a.ncols();
            let mut z = Array2::zeros((n_out, cols));
            for j in 0..n_out {
                for c in 0..cols {
                    let mut total = 0.0;
                    for k in 0..n_in {
                        total += w[[k, j]] * a[[k, c]];
                    }
                    z[[j, c]] = total + b[[j, 0]];
                }
            }
            let new_a = sigmoid(&z);
            zs.push(z);
            activations.push(new_a);
        }

        let mut dc_db: Vec<Array2<f64>> = Vec::new();
        let mut dc_dw: Vec<Array2<f64>> = Vec::new();
        for l in 0..layers {
            dc_db.push(Array2::zeros((self.biases[l].nrows(), self.biases[l].ncols())));
            dc_dw.push(Array2::zeros((self.weights[l].nrows(), self.weights[l].ncols())));
        }

        // Output layer error.
        let cd = cost_derivative(&activations[layers], y);
        let sd = sigmoid_derivative(&zs[layers - 1]);
        let mut delta = Array2::zeros((cd.nrows(), cd.ncols()));
        for i in 0..cd.nrows() {
            for j in 0..cd.ncols() {
                delta[[i, j]] = cd[[i, j]] * sd[[i, j]];
            }
        }

        let mut l = layers;
        while l > 0 {
            l -= 1;
            // dC/dw[l] = a[l] delta^T
            let a = &activations[l];
            let n_in = a.nrows();
            let n_out = delta.nrows();
            let cols = delta.ncols();
            let mut dw = Array2::zeros((n_in, n_out));
            for k in 0..n_in {
                for j in 0..n_out {
                    let mut total = 0.0;
                    for c in 0..cols {
                        total += a[[k, c]] * delta[[j, c]];
                    }
                    dw[[k, j]] = total;
                }
            }
            dc_dw[l] = dw;
            dc_db[l] = delta.clone();

            if l > 0 {
                // delta for the layer below: (w[l] delta) * sigmoid'(z[l-1])
                let w = &self.weights[l];
                let sd = sigmoid_derivative(&zs[l - 1]);
                let mut new_delta = Array2::zeros((n_in, cols));
                for k in 0..n_in {
                    for c in 0..cols {
                        let mut total = 0.0;
                        for j in 0..n_out {
                            total += w[[k, j]] * delta[[j, c]];
                        }
                        new_delta[[k, c]] = total * sd[[k, c]];
                    }
                }
                delta = new_delta;
            }
        }

        Gradients { dc_db, dc_dw }
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
                let layers = self.weights.len();
                let mut sum_db: Vec<Array2<f64>> = Vec::new();
                let mut sum_dw: Vec<Array2<f64>> = Vec::new();
                for l in 0..layers {
                    sum_db.push(Array2::zeros((self.biases[l].nrows(), self.biases[l].ncols())));
                    sum_dw.push(Array2::zeros((self.weights[l].nrows(), self.weights[l].ncols())));
                }
                for n in 0..batch.len() {
                    let x = &batch[n].0;
                    let y = &batch[n].1;
                    let g = self.back_propagation(x, y);
                    for l in 0..layers {
                        for i in 0..sum_db[l].nrows() {
                            for j in 0..sum_db[l].ncols() {
                                sum_db[l][[i, j]] += g.dc_db[l][[i, j]];
                            }
                        }
                        for i in 0..sum_dw[l].nrows() {
                            for j in 0..sum_dw[l].ncols() {
                                sum_dw[l][[i, j]] += g.dc_dw[l][[i, j]];
                            }
                        }
                    }
                }
                let step = eta / batch.len() as f64;
                for l in 0..layers {
                    for i in 0..self.biases[l].nrows() {
                        for j in 0..self.biases[l].ncols() {
                            self.biases[l][[i, j]] -= step * sum_db[l][[i, j]];
                        }
                    }
                    for i in 0..self.weights[l].nrows() {
                        for j in 0..self.weights[l].ncols() {
                            self.weights[l][[i, j]] -= step * sum_dw[l][[i, j]];
                        }
                    }
                }
            }
            cost_history.push(self.cost(training_data));
        }
        cost_history
    }
}
