//! Two-layer neural network (cs231n's `TwoLayerNet`), in Rust.
//!
//! Edit only this file. Fill in every `todo!()` (the Python lab's TODO#1 to
//! TODO#7); keep the signatures. The rest of the crate (`network.rs`, `rng.rs`,
//! `Cargo.toml`) is provided, and the grader restores it, so changes there are
//! lost.
//!
//! Keep your code general: the grader uses other sizes than the toy model's
//! (input, hidden, classes and batch). Printing is allowed but ignored.

pub mod network;
pub mod rng;

pub use network::{accuracy, Params, Stats, TrainOptions, TwoLayerNet};
pub use rng::RandomState;

use ndarray::Array2;

impl TwoLayerNet {
    /// TODO#1: the class scores for every row of `x` (`(N, D)`): the output of
    /// the second affine layer, before the softmax, `(N, C)`:
    /// `scores = max(0, X·W1 + b1)·W2 + b2`. (In Python: `loss(X)` without
    /// labels.) [15 marks]
    pub fn scores(&self, x: &Array2<f64>) -> Array2<f64> {
        let p = &self.params;
        let n = x.nrows();
        let d = x.ncols();
        let h = p.w1.ncols();
        let c = p.w2.ncols();
        // hidden = max(0, x w1 + b1)
        let mut hidden = Array2::zeros((n, h));
        for i in 0..n {
            for j in 0..h {
                let mut total = p.b1[j];
                for k in 0..d {
                    total += x[[i, k]] * p.w1[[k, j]];
                }
                if total > 0.0 {
                    hidden[[i, j]] = total;
                } else {
                    hidden[[i, j]] = 0.0;
                }
            }
        }
        // scores = hidden w2 + b2
        let mut scores = Array2::zeros((n, c));
        for i in 0..n {
            for j in 0..c {
                let mut total = p.b2[j];
                for k in 0..h {
                    total += hidden[[i, k]] * p.w2[[k, j]];
                }
                scores[[i, j]] = total;
            }
        }
        scores
    }

    /// The loss on a minibatch and its gradients.
    ///
    /// `y[i]` in `0..C` is the label of row `i` of `x`. Returns the loss and the
    /// gradients of the loss with respect to every parameter, shaped like them.
    ///
    /// TODO#2 [15 marks]: the loss is the softmax (cross-entropy) data loss,
    /// averaged over the `N` rows, plus the regularisation
    /// `0.5 * reg * (ΣW1² + ΣW2²)` (biases are not regularised). Subtract each
    /// row's maximum score before exponentiating, for numerical stability.
    ///
    /// TODO#3 [W1 10, b1 5, W2 10, b2 5 marks; checked against the reference
    /// and, for 10 more marks, numerically through your own `loss` with
    /// centred differences, as the lab's gradient check does]: the gradients.
    pub fn loss(&self, x: &Array2<f64>, y: &[usize], reg: f64) -> (f64, Params) {
        let p = &self.params;
        let n = x.nrows();
        let d = x.ncols();
        let h = p.w1.ncols();
        let c = p.w2.ncols();

        // Forward pass.
        let mut hidden = Array2::zeros((n, h));
        for i in 0..n {
            for j in 0..h {
                let mut total = p.b1[j];
                for k in 0..d {
                    total += x[[i, k]] * p.w1[[k, j]];
                }
                if total > 0.0 {
                    hidden[[i, j]] = total;
                } else {
                    hidden[[i, j]] = 0.0;
                }
            }
        }
        let mut scores = Array2::zeros((n, c));
        for i in 0..n {
            for j in 0..c {
                let mut total = p.b2[j];
                for k in 0..h {
                    total += hidden[[i, k]] * p.w2[[k, j]];
                }
                scores[[i, j]] = total;
            }
        }

        // Softmax, row by row.
        let mut probs = Array2::zeros((n, c));
        for i in 0..n {
            let mut max = scores[[i, 0]];
            for j in 1..c {
                if scores[[i, j]] > max {
                    max = scores[[i, j]];
                }
            }
            let mut total = 0.0;
            for j in 0..c {
                probs[[i, j]] = (scores[[i, j]] - max).exp();
                total += probs[[i, j]];
            }
            for j in 0..c {
                probs[[i, j]] = probs[[i, j]] / total;
            }
        }

        // Loss.
        let mut data_loss = 0.0;
        for i in 0..n {
            data_loss -= probs[[i, y[i]]].ln();
        }
        data_loss = data_loss / n as f64;
        let mut w1_squares = 0.0;
        for i in 0..p.w1.nrows() {
            for j in 0..p.w1.ncols() {
                w1_squares += p.w1[[i, j]] * p.w1[[i, j]];
            }
        }
        let mut w2_squares = 0.0;
        for i in 0..p.w2.nrows() {
            for j in 0..p.w2.ncols() {
                w2_squares += p.w2[[i, j]] * p.w2[[i, j]];
            }
        }
        let loss = data_loss + 0.5 * reg * (w1_squares + w2_squares);

        // Backward pass.
        let mut dscores = Array2::zeros((n, c));
        for i in 0..n {
            for j in 0..c {
                dscores[[i, j]] = probs[[i, j]];
                if j == y[i] {
                    dscores[[i, j]] -= 1.0;
                }
                dscores[[i, j]] = dscores[[i, j]] / n as f64;
            }
        }
        let mut w2 = Array2::zeros((h, c));
        for k in 0..h {
            for j in 0..c {
                let mut total = 0.0;
                for i in 0..n {
                    total += hidden[[i, k]] * dscores[[i, j]];
                }
                w2[[k, j]] = total + p.w2[[k, j]] * reg;
            }
        }
        let mut b2 = ndarray::Array1::zeros(c);
        for j in 0..c {
            let mut total = 0.0;
            for i in 0..n {
                total += dscores[[i, j]];
            }
            b2[j] = total;
        }
        let mut dhidden = Array2::zeros((n, h));
        for i in 0..n {
            for k in 0..h {
                if hidden[[i, k]] > 0.0 {
                    let mut total = 0.0;
                    for j in 0..c {
                        total += dscores[[i, j]] * p.w2[[k, j]];
                    }
                    dhidden[[i, k]] = total;
                }
            }
        }
        let mut w1 = Array2::zeros((d, h));
        for k in 0..d {
            for j in 0..h {
                let mut total = 0.0;
                for i in 0..n {
                    total += x[[i, k]] * dhidden[[i, j]];
                }
                w1[[k, j]] = total + p.w1[[k, j]] * reg;
            }
        }
        let mut b1 = ndarray::Array1::zeros(h);
        for j in 0..h {
            let mut total = 0.0;
            for i in 0..n {
                total += dhidden[[i, j]];
            }
            b1[j] = total;
        }
        (loss, Params { w1, b1, w2, b2 })
    }

    /// TODO#4: a random minibatch of `batch_size` rows of `x` and their labels,
    /// sampled **with replacement** exactly as
    /// `np.random.choice(num_train, batch_size)` would:
    /// `self.rng.choice(num_train, batch_size, true)` gives the row indices, in
    /// order. (`x.select(Axis(0), &indices)` takes those rows.)
    pub fn sample_batch(
        &mut self,
        x: &Array2<f64>,
        y: &[usize],
        batch_size: usize,
    ) -> (Array2<f64>, Vec<usize>) {
        let num_train = x.nrows();
        let d = x.ncols();
        let indices = self.rng.choice(num_train, batch_size, true);
        let mut x_batch = Array2::zeros((batch_size, d));
        let mut y_batch = Vec::new();
        for i in 0..batch_size {
            let row = indices[i];
            for j in 0..d {
                x_batch[[i, j]] = x[[row, j]];
            }
            y_batch.push(y[row]);
        }
        (x_batch, y_batch)
    }

    /// TODO#5: one step of stochastic gradient descent on every parameter:
    /// `param -= learning_rate * grad`.
    pub fn sgd_step(&mut self, grads: &Params, learning_rate: f64) {
        for i in 0..self.params.w1.nrows() {
            for j in 0..self.params.w1.ncols() {
                self.params.w1[[i, j]] -= learning_rate * grads.w1[[i, j]];
            }
        }
        for j in 0..self.params.b1.len() {
            self.params.b1[j] -= learning_rate * grads.b1[j];
        }
        for i in 0..self.params.w2.nrows() {
            for j in 0..self.params.w2.ncols() {
                self.params.w2[[i, j]] -= learning_rate * grads.w2[[i, j]];
            }
        }
        for j in 0..self.params.b2.len() {
            self.params.b2[j] -= learning_rate * grads.b2[j];
        }
    }

    /// Trains with stochastic gradient descent on `(x, y)`, checking accuracy
    /// on `(x_val, y_val)` once per epoch. [20 marks, with `sample_batch`,
    /// `sgd_step` and the learning rate decay (TODO#6)]
    ///
    /// Every iteration samples a minibatch (`sample_batch`), computes its loss
    /// and gradients (`loss`), records the loss, and takes an SGD step
    /// (`sgd_step`). An epoch ends where `it % iterations_per_epoch == 0`, with
    /// `iterations_per_epoch = max(num_train / batch_size, 1)` in floating point
    /// as in Python: there the accuracies are recorded and the learning rate is
    /// multiplied by `learning_rate_decay`.
    pub fn train(
        &mut self,
        x: &Array2<f64>,
        y: &[usize],
        x_val: &Array2<f64>,
        y_val: &[usize],
        opts: &TrainOptions,
    ) -> Stats {
        let num_train = x.nrows();
        let iterations_per_epoch = (num_train as f64 / opts.batch_size as f64).max(1.0);
        let mut learning_rate = opts.learning_rate;
        let mut stats = Stats::default();
        for it in 0..opts.num_iters {
            let (x_batch, y_batch) = self.sample_batch(x, y, opts.batch_size);
            let (loss, grads) = self.loss(&x_batch, &y_batch, opts.reg);
            stats.loss_history.push(loss);
            self.sgd_step(&grads, learning_rate);
            if opts.verbose && it % 100 == 0 {
                println!("iteration {it} / {}: loss {loss:.6}", opts.num_iters);
            }
            if it as f64 % iterations_per_epoch == 0.0 {
                let train_acc = accuracy(&self.predict(&x_batch), &y_batch);
                let val_acc = accuracy(&self.predict(x_val), y_val);
                stats.train_acc_history.push(train_acc);
                stats.val_acc_history.push(val_acc);
                // TODO#6: decay the learning rate.
                learning_rate = learning_rate * opts.learning_rate_decay;
            }
        }
        stats
    }

    /// TODO#7: the predicted class of every row of `x`: the index of its
    /// highest score (the first one, on a tie, as `np.argmax`). [10 marks]
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        let scores = self.scores(x);
        let mut predictions = Vec::new();
        for i in 0..scores.nrows() {
            let mut best = 0;
            for j in 0..scores.ncols() {
                if scores[[i, j]] > scores[[i, best]] {
                    best = j;
                }
            }
            predictions.push(best);
        }
        predictions
    }
}
