//! A modular neural network (CMU 10-701 HW3, section 5), in Rust: PyTorch-like
//! modules with `forward` and `backward`, an optimizer, and a training loop
//! on handwritten digits.
//!
//! Edit only this file. Fill in every `todo!()`; keep the signatures. The
//! rest of the crate (`network.rs` with the modules' fields, the `Module`
//! trait, the network and its initialisation; `data.rs`, the data loader;
//! `rng.rs`; `Cargo.toml`; `data/digits.csv`) is provided, and the grader
//! restores it, so changes there are lost.
//!
//! Conventions: a batch is a matrix with **one example per row**. A module's
//! `forward` saves, in the module's own fields, what its `backward` needs;
//! `backward` takes the gradient of the loss with respect to the output of
//! the **last** `forward` and returns the gradient with respect to that
//! `forward`'s input. The grader calls `forward` then `backward` on one batch,
//! then again on another batch of another size, on the same module, and
//! compares everything the second pair gives.
//!
//! Keep your code general: the grader uses other sizes than the examples.
//! Printing is allowed but ignored.

pub mod data;
pub mod network;
pub mod rng;

pub use data::Dataset;
pub use network::{
    argmax_rows, init_params, one_hot, Activation, CrossEntropyLoss, GradientDescentOptimizer,
    Layer, Linear, Module, MultiLayerPerceptron, ReLU, Sigmoid, TrainingHistory, DEFAULT_SEED,
    NUM_CLASSES,
};
pub use rng::RandomState;

use ndarray::{s, Array2};

impl Linear {
    /// `x · Wᵀ + b` for a batch `x` of shape `(batch, input_size)`: shape
    /// `(batch, output_size)`. Save `x` for `backward`. [Linear, 5 marks with
    /// `backward`]
    pub fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        let batch = x.nrows();
        let inputs = x.ncols();
        let outputs = self.weights.nrows();
        let mut out = Array2::zeros((batch, outputs));
        for n in 0..batch {
            for o in 0..outputs {
                let mut total = 0.0;
                for k in 0..inputs {
                    total += x[[n, k]] * self.weights[[o, k]];
                }
                out[[n, o]] = total + self.bias[o];
            }
        }
        self.input = Some(x.clone());
        out
    }

    /// Given `∂L/∂output` of the last `forward` (`(batch, output_size)`): set
    /// `d_weights = ∂L/∂W` and `d_bias = ∂L/∂b` (summed over the batch's
    /// examples) and return `∂L/∂x` (`(batch, input_size)`).
    pub fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        let x = self.input.clone().expect("Linear::backward before forward");
        let batch = x.nrows();
        let inputs = x.ncols();
        let outputs = self.weights.nrows();
        // dL/dW = grad_output^T x
        let mut d_weights = Array2::zeros((outputs, inputs));
        for o in 0..outputs {
            for k in 0..inputs {
                let mut total = 0.0;
                for n in 0..batch {
                    total += grad_output[[n, o]] * x[[n, k]];
                }
                d_weights[[o, k]] = total;
            }
        }
        // dL/db = sum of grad_output over the batch
        let mut d_bias = ndarray::Array1::zeros(outputs);
        for o in 0..outputs {
            let mut total = 0.0;
            for n in 0..batch {
                total += grad_output[[n, o]];
            }
            d_bias[o] = total;
        }
        // dL/dx = grad_output W
        let mut grad_input = Array2::zeros((batch, inputs));
        for n in 0..batch {
            for k in 0..inputs {
                let mut total = 0.0;
                for o in 0..outputs {
                    total += grad_output[[n, o]] * self.weights[[o, k]];
                }
                grad_input[[n, k]] = total;
            }
        }
        self.d_weights = d_weights;
        self.d_bias = d_bias;
        grad_input
    }
}

/// The logistic sigmoid `1 / (1 + e^-x)`, element-wise, without overflow for
/// any input (the grader uses ±800). [Sigmoid, 5 marks with the module]
pub fn sigmoid(x: &Array2<f64>) -> Array2<f64> {
    let rows = x.nrows();
    let cols = x.ncols();
    let mut result = Array2::zeros((rows, cols));
    for i in 0..rows {
        for j in 0..cols {
            let v = x[[i, j]];
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

impl Sigmoid {
    /// `sigmoid(x)`, saving what `backward` needs.
    pub fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        let out = sigmoid(x);
        self.output = Some(out.clone());
        out
    }

    /// `∂L/∂x` from `∂L/∂output`: `σ'(x) = σ(x)(1 - σ(x))`.
    pub fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        let out = self.output.clone().expect("Sigmoid::backward before forward");
        let rows = grad_output.nrows();
        let cols = grad_output.ncols();
        let mut grad_input = Array2::zeros((rows, cols));
        for i in 0..rows {
            for j in 0..cols {
                let s = out[[i, j]];
                grad_input[[i, j]] = grad_output[[i, j]] * (s * (1.0 - s));
            }
        }
        grad_input
    }
}

impl ReLU {
    /// `max(0, x)`, element-wise, saving what `backward` needs. [ReLU, 5 marks
    /// with `backward`]
    pub fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        self.input = Some(x.clone());
        let rows = x.nrows();
        let cols = x.ncols();
        let mut out = Array2::zeros((rows, cols));
        for i in 0..rows {
            for j in 0..cols {
                if x[[i, j]] > 0.0 {
                    out[[i, j]] = x[[i, j]];
                } else {
                    out[[i, j]] = 0.0;
                }
            }
        }
        out
    }

    /// `∂L/∂x` from `∂L/∂output`: passed through where `x > 0`, zero
    /// elsewhere (the subderivative at `x = 0` is 0, as the seed says).
    pub fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        let x = self.input.clone().expect("ReLU::backward before forward");
        let rows = grad_output.nrows();
        let cols = grad_output.ncols();
        let mut grad_input = Array2::zeros((rows, cols));
        for i in 0..rows {
            for j in 0..cols {
                if x[[i, j]] > 0.0 {
                    grad_input[[i, j]] = grad_output[[i, j]];
                } else {
                    grad_input[[i, j]] = 0.0;
                }
            }
        }
        grad_input
    }
}

impl CrossEntropyLoss {
    /// The softmax of every row of `logits` (`(batch, classes)`) and the
    /// average cross-entropy against the one-hot `labels` (same shape):
    /// `-(1/B) Σₙ Σₖ yₖ⁽ⁿ⁾ log ŷₖ⁽ⁿ⁾`. Subtract each row's maximum before
    /// exponentiating (the grader's logits reach ±800). Save what `backward`
    /// needs. [CrossEntropyLoss, 10 marks with `backward`]
    pub fn forward(&mut self, logits: &Array2<f64>, labels: &Array2<f64>) -> f64 {
        let batch = logits.nrows();
        let classes = logits.ncols();
        let mut probs = Array2::zeros((batch, classes));
        let mut total = 0.0;
        for n in 0..batch {
            let mut max = logits[[n, 0]];
            for k in 1..classes {
                if logits[[n, k]] > max {
                    max = logits[[n, k]];
                }
            }
            let mut sum = 0.0;
            for k in 0..classes {
                probs[[n, k]] = (logits[[n, k]] - max).exp();
                sum += probs[[n, k]];
            }
            for k in 0..classes {
                probs[[n, k]] = probs[[n, k]] / sum;
            }
            // log of the softmax, without taking the log of a probability that underflowed
            let log_sum = sum.ln();
            for k in 0..classes {
                total -= labels[[n, k]] * (logits[[n, k]] - max - log_sum);
            }
        }
        self.probs = Some(probs);
        self.labels = Some(labels.clone());
        total / batch as f64
    }

    /// `∂L/∂logits` for the last `forward`: `(ŷ - y) / B`.
    pub fn backward(&mut self) -> Array2<f64> {
        let probs = self.probs.clone().expect("CrossEntropyLoss::backward before forward");
        let labels = self.labels.clone().expect("CrossEntropyLoss::backward before forward");
        let batch = probs.nrows();
        let classes = probs.ncols();
        let mut grad = Array2::zeros((batch, classes));
        for n in 0..batch {
            for k in 0..classes {
                grad[[n, k]] = (probs[[n, k]] - labels[[n, k]]) / batch as f64;
            }
        }
        grad
    }
}

impl GradientDescentOptimizer {
    /// One step on every parameter of every `Linear` layer of `model`:
    /// `W -= learning_rate · ∂L/∂W`, `b -= learning_rate · ∂L/∂b`, with the
    /// gradients the last `backward` stored. [5 marks]
    pub fn step(&self, model: &mut MultiLayerPerceptron) {
        for l in 0..model.layers.len() {
            if let Layer::Linear(linear) = &mut model.layers[l] {
                for i in 0..linear.weights.nrows() {
                    for j in 0..linear.weights.ncols() {
                        linear.weights[[i, j]] -= linear.d_weights[[i, j]] * self.learning_rate;
                    }
                }
                for i in 0..linear.bias.len() {
                    linear.bias[i] -= linear.d_bias[i] * self.learning_rate;
                }
            }
        }
    }
}

/// Batch gradient descent (the seed's Algorithm 1): for `num_epochs` epochs,
/// the training set in order, **without shuffling**, in batches of
/// `batch_size` rows (the last one shorter when `batch_size` does not divide
/// the number of rows), one gradient step per batch at a fixed learning rate.
///
/// The loop is provided. You compute the statistics at the end of every
/// epoch, with the model as the epoch's last update left it: the average
/// cross-entropy and the error rate (the fraction of examples whose predicted
/// class, the argmax of the logits, is not the label) on the whole training
/// set and the whole test set; and, after the last epoch, the predicted class
/// of every training and every test example. [20 marks]
pub fn train_network(
    model: &mut MultiLayerPerceptron,
    dataset: &Dataset,
    num_epochs: usize,
    learning_rate: f64,
    batch_size: usize,
) -> TrainingHistory {
    let mut loss = CrossEntropyLoss::new();
    let optimizer = GradientDescentOptimizer::new(learning_rate);
    let n = dataset.train_x.nrows();
    let mut history = TrainingHistory::default();
    for _epoch in 0..num_epochs {
        for start in (0..n).step_by(batch_size) {
            let end = (start + batch_size).min(n);
            let x = dataset.train_x.slice(s![start..end, ..]).to_owned();
            let y = one_hot(&dataset.train_y[start..end], NUM_CLASSES);
            let logits = model.forward(&x);
            loss.forward(&logits, &y);
            model.backward(&loss.backward());
            optimizer.step(model);
        }
        // The epoch's statistics (`loss` and `model` are yours to use).
        // Training set.
        let train_logits = model.forward(&dataset.train_x);
        let train_labels = one_hot(&dataset.train_y, NUM_CLASSES);
        let train_loss = loss.forward(&train_logits, &train_labels);
        let mut train_predictions = Vec::new();
        let mut train_wrong = 0;
        for n in 0..train_logits.nrows() {
            let mut best = 0;
            for k in 0..train_logits.ncols() {
                if train_logits[[n, k]] > train_logits[[n, best]] {
                    best = k;
                }
            }
            if best != dataset.train_y[n] {
                train_wrong += 1;
            }
            train_predictions.push(best);
        }
        let train_error = train_wrong as f64 / dataset.train_y.len() as f64;

        // Test set.
        let test_logits = model.forward(&dataset.test_x);
        let test_labels = one_hot(&dataset.test_y, NUM_CLASSES);
        let test_loss = loss.forward(&test_logits, &test_labels);
        let mut test_predictions = Vec::new();
        let mut test_wrong = 0;
        for n in 0..test_logits.nrows() {
            let mut best = 0;
            for k in 0..test_logits.ncols() {
                if test_logits[[n, k]] > test_logits[[n, best]] {
                    best = k;
                }
            }
            if best != dataset.test_y[n] {
                test_wrong += 1;
            }
            test_predictions.push(best);
        }
        let test_error = test_wrong as f64 / dataset.test_y.len() as f64;

        history.train_losses.push(train_loss);
        history.test_losses.push(test_loss);
        history.train_errors.push(train_error);
        history.test_errors.push(test_error);
        history.train_predictions = train_predictions;
        history.test_predictions = test_predictions;
    }
    history
}
