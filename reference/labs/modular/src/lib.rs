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
        // BEGIN SOLUTION (handout: let _ = x;)
        self.input = Some(x.clone());
        x.dot(&self.weights.t()) + &self.bias
        // END SOLUTION
    }

    /// Given `∂L/∂output` of the last `forward` (`(batch, output_size)`): set
    /// `d_weights = ∂L/∂W` and `d_bias = ∂L/∂b` (summed over the batch's
    /// examples) and return `∂L/∂x` (`(batch, input_size)`).
    pub fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        // BEGIN SOLUTION (handout: let _ = grad_output;)
        let x = self
            .input
            .as_ref()
            .expect("Linear::backward before forward");
        self.d_weights = grad_output.t().dot(x);
        self.d_bias = grad_output.sum_axis(ndarray::Axis(0));
        grad_output.dot(&self.weights)
        // END SOLUTION
    }
}

/// The logistic sigmoid `1 / (1 + e^-x)`, element-wise, without overflow for
/// any input (the grader uses ±800). [Sigmoid, 5 marks with the module]
pub fn sigmoid(x: &Array2<f64>) -> Array2<f64> {
    // BEGIN SOLUTION (handout: let _ = x;)
    x.mapv(|v| {
        if v >= 0.0 {
            1.0 / (1.0 + (-v).exp())
        } else {
            let e = v.exp();
            e / (1.0 + e)
        }
    })
    // END SOLUTION
}

impl Sigmoid {
    /// `sigmoid(x)`, saving what `backward` needs.
    pub fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        // BEGIN SOLUTION (handout: let _ = x;)
        let out = sigmoid(x);
        self.output = Some(out.clone());
        out
        // END SOLUTION
    }

    /// `∂L/∂x` from `∂L/∂output`: `σ'(x) = σ(x)(1 - σ(x))`.
    pub fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        // BEGIN SOLUTION (handout: let _ = grad_output;)
        let out = self
            .output
            .as_ref()
            .expect("Sigmoid::backward before forward");
        grad_output * &out.mapv(|s| s * (1.0 - s))
        // END SOLUTION
    }
}

impl ReLU {
    /// `max(0, x)`, element-wise, saving what `backward` needs. [ReLU, 5 marks
    /// with `backward`]
    pub fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        // BEGIN SOLUTION (handout: let _ = x;)
        self.input = Some(x.clone());
        x.mapv(|v| if v > 0.0 { v } else { 0.0 })
        // END SOLUTION
    }

    /// `∂L/∂x` from `∂L/∂output`: passed through where `x > 0`, zero
    /// elsewhere (the subderivative at `x = 0` is 0, as the seed says).
    pub fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        // BEGIN SOLUTION (handout: let _ = grad_output;)
        let x = self.input.as_ref().expect("ReLU::backward before forward");
        let mut grad = grad_output.clone();
        grad.zip_mut_with(x, |g, &v| {
            if v <= 0.0 {
                *g = 0.0;
            }
        });
        grad
        // END SOLUTION
    }
}

impl CrossEntropyLoss {
    /// The softmax of every row of `logits` (`(batch, classes)`) and the
    /// average cross-entropy against the one-hot `labels` (same shape):
    /// `-(1/B) Σₙ Σₖ yₖ⁽ⁿ⁾ log ŷₖ⁽ⁿ⁾`. Subtract each row's maximum before
    /// exponentiating (the grader's logits reach ±800). Save what `backward`
    /// needs. [CrossEntropyLoss, 10 marks with `backward`]
    pub fn forward(&mut self, logits: &Array2<f64>, labels: &Array2<f64>) -> f64 {
        // BEGIN SOLUTION (handout: let _ = (logits, labels);)
        let batch = logits.nrows() as f64;
        let mut probs = logits.clone();
        let mut total = 0.0;
        for ((mut p, z), y) in probs
            .rows_mut()
            .into_iter()
            .zip(logits.rows())
            .zip(labels.rows())
        {
            let max = z.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            p.mapv_inplace(|v| (v - max).exp());
            let sum = p.sum();
            p /= sum;
            // log ŷ = z - max - log Σ e^(z - max): finite even where ŷ underflows.
            let log_sum = sum.ln();
            for (&zk, &yk) in z.iter().zip(y.iter()) {
                total -= yk * (zk - max - log_sum);
            }
        }
        self.probs = Some(probs);
        self.labels = Some(labels.clone());
        total / batch
        // END SOLUTION
    }

    /// `∂L/∂logits` for the last `forward`: `(ŷ - y) / B`.
    pub fn backward(&mut self) -> Array2<f64> {
        // BEGIN SOLUTION
        let (Some(probs), Some(labels)) = (&self.probs, &self.labels) else {
            panic!("CrossEntropyLoss::backward before forward");
        };
        (probs - labels) / probs.nrows() as f64
        // END SOLUTION
    }
}

impl GradientDescentOptimizer {
    /// One step on every parameter of every `Linear` layer of `model`:
    /// `W -= learning_rate · ∂L/∂W`, `b -= learning_rate · ∂L/∂b`, with the
    /// gradients the last `backward` stored. [5 marks]
    pub fn step(&self, model: &mut MultiLayerPerceptron) {
        // BEGIN SOLUTION (handout: let _ = model;)
        for layer in &mut model.layers {
            if let Layer::Linear(linear) = layer {
                linear.weights -= &(&linear.d_weights * self.learning_rate);
                linear.bias -= &(&linear.d_bias * self.learning_rate);
            }
        }
        // END SOLUTION
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
        // BEGIN SOLUTION (handout: let _ = &mut history;)
        let mut evaluate = |x: &Array2<f64>, labels: &[usize]| {
            let logits = model.forward(x);
            let average = loss.forward(&logits, &one_hot(labels, NUM_CLASSES));
            let predictions = argmax_rows(&logits);
            let wrong = predictions
                .iter()
                .zip(labels)
                .filter(|(p, y)| p != y)
                .count();
            (average, wrong as f64 / labels.len() as f64, predictions)
        };
        let (train_loss, train_error, train_predictions) =
            evaluate(&dataset.train_x, &dataset.train_y);
        let (test_loss, test_error, test_predictions) = evaluate(&dataset.test_x, &dataset.test_y);
        history.train_losses.push(train_loss);
        history.test_losses.push(test_loss);
        history.train_errors.push(train_error);
        history.test_errors.push(test_error);
        history.train_predictions = train_predictions;
        history.test_predictions = test_predictions;
        // END SOLUTION
    }
    history
}
