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
        // BEGIN SOLUTION (handout: let _ = x;)
        let p = &self.params;
        let hidden = (x.dot(&p.w1) + &p.b1).mapv(|v| v.max(0.0));
        hidden.dot(&p.w2) + &p.b2
        // END SOLUTION
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
        // BEGIN SOLUTION (handout: let _ = (x, y, reg);)
        let p = &self.params;
        let n = x.nrows();
        let hidden = (x.dot(&p.w1) + &p.b1).mapv(|v| v.max(0.0));
        let scores = hidden.dot(&p.w2) + &p.b2;

        let mut probs = scores;
        for mut row in probs.rows_mut() {
            let max = row.fold(f64::NEG_INFINITY, |m, &s| m.max(s));
            row.mapv_inplace(|s| (s - max).exp());
            let total = row.sum();
            row /= total;
        }
        let data_loss = -y
            .iter()
            .enumerate()
            .map(|(i, &c)| probs[[i, c]].ln())
            .sum::<f64>()
            / n as f64;
        let reg_loss = 0.5 * reg * (p.w1.mapv(|w| w * w).sum() + p.w2.mapv(|w| w * w).sum());
        let loss = data_loss + reg_loss;

        let mut dscores = probs;
        for (i, &c) in y.iter().enumerate() {
            dscores[[i, c]] -= 1.0;
        }
        dscores /= n as f64;
        let w2 = hidden.t().dot(&dscores) + &p.w2 * reg;
        let b2 = dscores.sum_axis(ndarray::Axis(0));
        let mut dhidden = dscores.dot(&p.w2.t());
        dhidden.zip_mut_with(&hidden, |d, &h| {
            if h <= 0.0 {
                *d = 0.0;
            }
        });
        let w1 = x.t().dot(&dhidden) + &p.w1 * reg;
        let b1 = dhidden.sum_axis(ndarray::Axis(0));
        (loss, Params { w1, b1, w2, b2 })
        // END SOLUTION
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
        // BEGIN SOLUTION (handout: let _ = (x, y, batch_size);)
        let indices = self.rng.choice(x.nrows(), batch_size, true);
        let x_batch = x.select(ndarray::Axis(0), &indices);
        let y_batch = indices.iter().map(|&i| y[i]).collect();
        (x_batch, y_batch)
        // END SOLUTION
    }

    /// TODO#5: one step of stochastic gradient descent on every parameter:
    /// `param -= learning_rate * grad`.
    pub fn sgd_step(&mut self, grads: &Params, learning_rate: f64) {
        // BEGIN SOLUTION (handout: let _ = (grads, learning_rate);)
        let p = &mut self.params;
        p.w1.scaled_add(-learning_rate, &grads.w1);
        p.b1.scaled_add(-learning_rate, &grads.b1);
        p.w2.scaled_add(-learning_rate, &grads.w2);
        p.b2.scaled_add(-learning_rate, &grads.b2);
        // END SOLUTION
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
                // BEGIN SOLUTION (handout: let _ = &mut learning_rate;)
                learning_rate *= opts.learning_rate_decay;
                // END SOLUTION
            }
        }
        stats
    }

    /// TODO#7: the predicted class of every row of `x`: the index of its
    /// highest score (the first one, on a tie, as `np.argmax`). [10 marks]
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        // BEGIN SOLUTION (handout: let _ = x;)
        self.scores(x)
            .rows()
            .into_iter()
            .map(|row| {
                let mut best = 0;
                for (j, &s) in row.iter().enumerate() {
                    if s > row[best] {
                        best = j;
                    }
                }
                best
            })
            .collect()
        // END SOLUTION
    }
}
