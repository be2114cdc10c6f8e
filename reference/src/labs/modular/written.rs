//! The `modular` lab's written questions with numeric answers (seed lab
//! `004_aa5053ea014ad1d3`, sections 1, 3, 4 and 5.6): each answer computed
//! from the question's own data, never typed in. The data are the cases'
//! inputs; the item `written` (the lab's `[answers]`) returns every answer
//! by its key in the handout's `answers.toml`.
//!
//! Two cases: `written_published` holds the questions whose answers the seed
//! prints (1.4, 1.5(b), 3.1–3.3, 4.4: a test checks each against the print),
//! so their feedback may show the expected value; `written` holds the rest
//! (1.3 and 5.6), graded as a hidden case.

use crate::labs::CaseSpec;
use crate::wire::{f64_field, field, from_f64, tensor_field, vector_field};
use ndarray::{array, s, Array1, Array2, Axis};
use serde_json::{json, Map, Value};

/// The item whose outputs are the written answers (the lab's `[answers]`).
pub const ITEM: &str = "written";

/// Trains the reference network on the shipped digits with one of section
/// 5.6's configurations; returns (final train accuracy, final test accuracy).
pub type Train<'a> = &'a dyn Fn(&Config) -> Result<(f64, f64), String>;

/// One of section 5.6's training configurations.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub hidden: Vec<usize>,
    /// "sigmoid" or "relu".
    pub activation: String,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub epochs: usize,
}

/// Section 1's network: α (4×7) and β (3×5), bias weights in column 0.
fn section1() -> Value {
    let alpha: Array2<f64> = array![
        [1., 1., 2., -3., 0., 1., -3.],
        [1., 2., 1., 1., 1., 0., 2.],
        [1., 3., 2., 2., 2., 2., 1.],
        [1., 2., 0., 3., 1., -2., 2.]
    ];
    let beta: Array2<f64> = array![
        [1., 1., 2., -2., 3.],
        [1., 2., -1., 3., 1.],
        [1., 3., 1., -1., 1.]
    ];
    json!({
        "alpha": crate::wire::from_tensor(&alpha),
        "beta": crate::wire::from_tensor(&beta),
        "x": crate::wire::from_vector(&array![1., 0., 1., 0., 1., 1.]),
        "class": 3,
        "learning_rate": 1.0,
        "lambda": 0.01,
        "iterations_for_many": 1000,
    })
}

/// The cases: the questions' data as the seed gives them.
pub fn cases() -> Vec<CaseSpec> {
    let published = json!({
        "q1": section1(),
        "q3": {
            "x": crate::wire::from_tensor(&array![
                [-1., 0.4], [3., 8.], [-3., 0.3], [4., 10.], [-0.5, 5.]
            ]),
            "y": crate::wire::from_vector(&array![2., -4., 3.2, -8.3, -2.3]),
            "w1": crate::wire::from_tensor(&array![[0.2, 3.8], [-1.1, 2.3]]),
            "b1": crate::wire::from_vector(&array![-1.3, 0.86]),
            "w2": crate::wire::from_vector(&array![-1.2, 0.7]),
            "b2": 0.0,
            "activations": ["ReLU", "tanh", "Sigmoid", "Linear"],
            "learning_rates": [0.1, 0.001, 0.0001, 0.9],
            "more_iterations": 2,
        },
        "q4": {
            "image": crate::wire::from_tensor(&array![
                [-1., 0., -2., 3., 4., 1.],
                [2., 9., 5., 6., 0., -1.],
                [0., -3., 1., 3., 4., 4.],
                [6., 5., 2., 0., 6., 8.],
                [-5., 4., -3., 1., 3., -2.],
                [4., 1., 2., 8., 9., 7.]
            ]),
            "filter": crate::wire::from_tensor(&array![
                [-2., -2., -2.], [-2., 5., -2.], [-2., -2., -2.]
            ]),
            // J: row 2, column 4 of Y (1-based, as the seed's letter grid).
            "row": 2,
            "column": 4,
        },
    });
    let configs: Vec<Value> = section_5_6()
        .iter()
        .map(|(part, c)| {
            json!({
                "part": part, "hidden": c.hidden, "activation": c.activation,
                "learning_rate": c.learning_rate, "batch_size": c.batch_size,
                "epochs": c.epochs,
            })
        })
        .collect();
    let hidden = json!({ "q1": section1(), "q5_6": configs });
    vec![
        CaseSpec {
            id: "written_published".into(),
            description:
                "the written questions whose answers the seed prints (1.4, 1.5(b), 3, 4.4)".into(),
            origin: json!({ "seed lab": "004_aa5053ea014ad1d3", "sections": ["1.4", "1.5(b)", "3.1", "3.2", "3.3", "4.4"] }),
            inputs: published,
            items: Some(&[ITEM]),
            truth: Value::Null,
        },
        CaseSpec {
            id: "written".into(),
            description: "the written questions 1.3 and 5.6".into(),
            origin: json!({ "seed lab": "004_aa5053ea014ad1d3", "sections": ["1.3", "5.6"] }),
            inputs: hidden,
            items: Some(&[ITEM]),
            truth: Value::Null,
        },
    ]
}

/// Section 5.6's configurations (parts a–e), with the seed's init seed.
pub fn section_5_6() -> Vec<(&'static str, Config)> {
    let c = |hidden: &[usize], activation: &str, learning_rate: f64, batch_size: usize| Config {
        hidden: hidden.to_vec(),
        activation: activation.into(),
        learning_rate,
        batch_size,
        epochs: 50,
    };
    vec![
        ("a", c(&[256], "sigmoid", 0.01, 50)),
        ("b", c(&[256], "sigmoid", 0.001, 50)),
        ("c", c(&[256], "relu", 0.01, 50)),
        ("d", c(&[256], "relu", 0.01, 200)),
        ("e", c(&[384, 256], "relu", 0.01, 50)),
    ]
}

/// Every answer the case's data allow, by key.
pub fn answers(inputs: &Value, train: Train) -> Result<Value, String> {
    let mut out = Map::new();
    if let Some(q1) = inputs.get("q1") {
        let n = Section1::read(q1)?;
        if inputs.get("q5_6").is_some() {
            // 1.3 (hidden case)
            let f = n.forward(&n.alpha, &n.beta);
            out.insert("q1_3_a1".into(), from_f64(f.a[0]));
            out.insert("q1_3_z1".into(), from_f64(f.z[0]));
            out.insert("q1_3_b2".into(), from_f64(f.b[1]));
            out.insert("q1_3_yhat2".into(), from_f64(f.y_hat[1]));
            out.insert("q1_3_class".into(), json!(argmax(&f.y_hat) + 1));
            out.insert("q1_3_loss".into(), from_f64(f.loss));
        } else {
            // 1.4 and 1.5(b) (published)
            let (alpha, beta) = n.step(&n.alpha, &n.beta);
            out.insert("q1_4_beta21".into(), from_f64(beta[[1, 1]]));
            out.insert("q1_4_beta10".into(), from_f64(beta[[0, 0]]));
            out.insert("q1_4_alpha34".into(), from_f64(alpha[[2, 4]]));
            let (mut a, mut b) = (n.alpha.clone(), n.beta.clone());
            for _ in 0..n.many {
                (a, b) = n.step(&a, &b);
            }
            let f = n.forward(&a, &b);
            out.insert("q1_4_class_after_many".into(), json!(argmax(&f.y_hat) + 1));
            let weights = |m: &Array2<f64>| m.slice(s![.., 1..]).mapv(|w| w * w).sum();
            let loss = n.forward(&n.alpha, &n.beta).loss
                + n.lambda * (weights(&n.alpha) + weights(&n.beta));
            out.insert("q1_5b_regularised_loss".into(), from_f64(loss));
        }
    }
    if let Some(q3) = inputs.get("q3") {
        let t = Section3::read(q3)?;
        out.insert(
            "q3_1_loss".into(),
            from_f64(t.loss(&t.w1, &t.b1, &t.w2, t.b2, "ReLU")?),
        );
        let mut best: Option<(String, f64)> = None;
        for name in t.activations.iter() {
            let loss = t.loss(&t.w1, &t.b1, &t.w2, t.b2, name)?;
            if best.as_ref().is_none_or(|(_, l)| loss < *l) {
                best = Some((name.clone(), loss));
            }
        }
        out.insert(
            "q3_2_activation".into(),
            json!(best.ok_or("no activation")?.0),
        );
        let mut best: Option<(f64, f64)> = None;
        for &eta in &t.learning_rates {
            let loss = t.loss_after_steps(eta)?;
            if best.is_none_or(|(_, l)| loss < l) {
                best = Some((eta, loss));
            }
        }
        out.insert(
            "q3_3_learning_rate".into(),
            from_f64(best.ok_or("no rate")?.0),
        );
    }
    if let Some(q4) = inputs.get("q4") {
        let image = tensor_field(q4, "image")?;
        let filter = tensor_field(q4, "filter")?;
        let (row, col) = (
            crate::wire::usize_field(q4, "row")?,
            crate::wire::usize_field(q4, "column")?,
        );
        let y = convolve_same(&image, &filter);
        out.insert("q4_4_j".into(), from_f64(y[[row - 1, col - 1]]));
    }
    if let Some(Value::Array(configs)) = inputs.get("q5_6") {
        for c in configs {
            let part = field(c, "part")?.as_str().ok_or("part")?;
            let config = Config {
                hidden: crate::wire::usizes_field(c, "hidden")?,
                activation: field(c, "activation")?
                    .as_str()
                    .ok_or("activation")?
                    .to_string(),
                learning_rate: f64_field(c, "learning_rate")?,
                batch_size: crate::wire::usize_field(c, "batch_size")?,
                epochs: crate::wire::usize_field(c, "epochs")?,
            };
            let (train_acc, test_acc) = train(&config)?;
            out.insert(format!("q5_6{part}_train_accuracy"), from_f64(train_acc));
            out.insert(format!("q5_6{part}_test_accuracy"), from_f64(test_acc));
        }
    }
    Ok(Value::Object(out))
}

struct Section1 {
    alpha: Array2<f64>,
    beta: Array2<f64>,
    /// x with the bias feature 1 in front.
    x: Array1<f64>,
    y: Array1<f64>,
    eta: f64,
    lambda: f64,
    many: usize,
}

struct Forward {
    a: Array1<f64>,
    z: Array1<f64>,
    /// z with the bias unit 1 in front.
    z1: Array1<f64>,
    b: Array1<f64>,
    y_hat: Array1<f64>,
    loss: f64,
}

impl Section1 {
    fn read(q: &Value) -> Result<Section1, String> {
        let x = vector_field(q, "x")?;
        let beta = tensor_field(q, "beta")?;
        let class = crate::wire::usize_field(q, "class")?;
        let mut y = Array1::zeros(beta.nrows());
        *y.get_mut(class.wrapping_sub(1))
            .ok_or("class out of range")? = 1.0;
        Ok(Section1 {
            alpha: tensor_field(q, "alpha")?,
            beta,
            x: with_bias(&x),
            y,
            eta: f64_field(q, "learning_rate")?,
            lambda: f64_field(q, "lambda")?,
            many: crate::wire::usize_field(q, "iterations_for_many")?,
        })
    }

    /// Equations (1.2)–(1.6).
    fn forward(&self, alpha: &Array2<f64>, beta: &Array2<f64>) -> Forward {
        let a = alpha.dot(&self.x);
        let z = a.mapv(|v| 1.0 / (1.0 + (-v).exp()));
        let z1 = with_bias(&z);
        let b = beta.dot(&z1);
        let max = b.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let e = b.mapv(|v| (v - max).exp());
        let y_hat = &e / e.sum();
        let loss = -(&self.y * &y_hat.mapv(f64::ln)).sum();
        Forward {
            a,
            z,
            z1,
            b,
            y_hat,
            loss,
        }
    }

    /// One step of backpropagation (question 2's derivatives) with rate η.
    fn step(&self, alpha: &Array2<f64>, beta: &Array2<f64>) -> (Array2<f64>, Array2<f64>) {
        let f = self.forward(alpha, beta);
        let d_b = &f.y_hat - &self.y;
        let d_beta = outer(&d_b, &f.z1);
        // β* (no bias column) carries the gradient back to z.
        let d_z = beta.slice(s![.., 1..]).t().dot(&d_b);
        let d_a = &f.z * &f.z.mapv(|v| 1.0 - v) * &d_z;
        let d_alpha = outer(&d_a, &self.x);
        (alpha - &(d_alpha * self.eta), beta - &(d_beta * self.eta))
    }
}

struct Section3 {
    x: Array2<f64>,
    y: Array1<f64>,
    /// Row j: the weights into hidden unit j.
    w1: Array2<f64>,
    b1: Array1<f64>,
    w2: Array1<f64>,
    b2: f64,
    activations: Vec<String>,
    learning_rates: Vec<f64>,
    more: usize,
}

impl Section3 {
    fn read(q: &Value) -> Result<Section3, String> {
        let strings = |key: &str| -> Result<Vec<String>, String> {
            field(q, key)?
                .as_array()
                .ok_or(format!("{key}: a list"))?
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or(format!("{key}: text")))
                .collect()
        };
        let numbers = |key: &str| -> Result<Vec<f64>, String> {
            field(q, key)?
                .as_array()
                .ok_or(format!("{key}: a list"))?
                .iter()
                .map(|v| v.as_f64().ok_or(format!("{key}: numbers")))
                .collect()
        };
        Ok(Section3 {
            x: tensor_field(q, "x")?,
            y: vector_field(q, "y")?,
            w1: tensor_field(q, "w1")?,
            b1: vector_field(q, "b1")?,
            w2: vector_field(q, "w2")?,
            b2: f64_field(q, "b2")?,
            activations: strings("activations")?,
            learning_rates: numbers("learning_rates")?,
            more: crate::wire::usize_field(q, "more_iterations")?,
        })
    }

    /// The mean squared error of the network with `activation` on the table.
    fn loss(
        &self,
        w1: &Array2<f64>,
        b1: &Array1<f64>,
        w2: &Array1<f64>,
        b2: f64,
        activation: &str,
    ) -> Result<f64, String> {
        let f: fn(f64) -> f64 = match activation.to_lowercase().as_str() {
            "relu" => |v| v.max(0.0),
            "tanh" => f64::tanh,
            "sigmoid" => |v| 1.0 / (1.0 + (-v).exp()),
            "linear" => |v| v,
            other => return Err(format!("unknown activation {other}")),
        };
        let h = (self.x.dot(&w1.t()) + b1).mapv(f);
        let y_hat = h.dot(w2) + b2;
        Ok((&y_hat - &self.y)
            .mapv(|d| d * d)
            .mean()
            .unwrap_or(f64::NAN))
    }

    /// The ReLU network's loss after `more` full gradient-descent steps at `eta`.
    fn loss_after_steps(&self, eta: f64) -> Result<f64, String> {
        let (mut w1, mut b1, mut w2, mut b2) =
            (self.w1.clone(), self.b1.clone(), self.w2.clone(), self.b2);
        let n = self.y.len() as f64;
        for _ in 0..self.more {
            let pre = self.x.dot(&w1.t()) + &b1;
            let h = pre.mapv(|v| v.max(0.0));
            let g = (h.dot(&w2) + b2 - &self.y) * (2.0 / n);
            let d_w2 = h.t().dot(&g);
            let d_b2 = g.sum();
            // ReLU's subderivative is 0 at 0.
            let d_h = outer(&g, &w2) * pre.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 });
            let d_w1 = d_h.t().dot(&self.x);
            let d_b1 = d_h.sum_axis(Axis(0));
            w1 = w1 - d_w1 * eta;
            b1 = b1 - d_b1 * eta;
            w2 = w2 - d_w2 * eta;
            b2 -= eta * d_b2;
        }
        self.loss(&w1, &b1, &w2, b2, "ReLU")
    }
}

fn with_bias(v: &Array1<f64>) -> Array1<f64> {
    std::iter::once(1.0).chain(v.iter().copied()).collect()
}

fn outer(a: &Array1<f64>, b: &Array1<f64>) -> Array2<f64> {
    Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i] * b[j])
}

fn argmax(v: &Array1<f64>) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv {
                (i, x)
            } else {
                (bi, bv)
            }
        })
        .0
}

/// `image` convolved with `filter` (odd-sized), zero-padded so the output
/// has the image's size, stride 1 (as a CNN layer computes it: no flip).
fn convolve_same(image: &Array2<f64>, filter: &Array2<f64>) -> Array2<f64> {
    let (h, w) = image.dim();
    let (fh, fw) = filter.dim();
    let (ph, pw) = (fh / 2, fw / 2);
    Array2::from_shape_fn((h, w), |(i, j)| {
        let mut sum = 0.0;
        for u in 0..fh {
            for v in 0..fw {
                let (r, c) = (
                    (i + u) as isize - ph as isize,
                    (j + v) as isize - pw as isize,
                );
                if r >= 0 && c >= 0 && (r as usize) < h && (c as usize) < w {
                    sum += image[[r as usize, c as usize]] * filter[[u, v]];
                }
            }
        }
        sum
    })
}

/// For tests: the answers of one case by id, with `train` for 5.6.
pub fn answers_of(id: &str, train: Train) -> Result<Value, String> {
    let case = cases()
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(format!("no case {id}"))?;
    answers(&case.inputs, train)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_training(_: &Config) -> Result<(f64, f64), String> {
        Err("not in this test".into())
    }

    fn four(x: f64) -> String {
        format!("{x:.4}")
    }

    #[test]
    fn the_seeds_printed_answers_come_out_of_its_data() {
        let a = answers_of("written_published", &no_training).unwrap();
        let num = |k: &str| a[k].as_f64().unwrap_or_else(|| panic!("{k}: {a}"));
        // Printed in the seed: 1.9772, 0.5477, 2, 3, 3.9712, 209.4557, tanh,
        // η = 0.001, -6.
        assert_eq!(four(num("q1_4_beta21")), "1.9772");
        assert_eq!(four(num("q1_4_beta10")), "0.5477");
        assert_eq!(four(num("q1_4_alpha34")), "2.0000");
        assert_eq!(a["q1_4_class_after_many"], 3);
        assert_eq!(four(num("q1_5b_regularised_loss")), "3.9712");
        assert_eq!(four(num("q3_1_loss")), "209.4557");
        assert_eq!(a["q3_2_activation"], "tanh");
        assert_eq!(num("q3_3_learning_rate"), 0.001);
        assert_eq!(num("q4_4_j"), -6.0);
        assert_eq!(a.as_object().unwrap().len(), 9);
    }

    #[test]
    fn question_1_3_by_hand() {
        // a₁ = 1 + 1·1 + 2·0 − 3·1 + 0·0 + 1·1 − 3·1 = −3 (the seed's data,
        // worked by hand); z₁ = σ(−3).
        let a = answers(&json!({ "q1": section1(), "q5_6": [] }), &no_training).unwrap();
        assert_eq!(a["q1_3_a1"], -3.0);
        assert_eq!(four(a["q1_3_z1"].as_f64().unwrap()), "0.0474");
        let z1 = 1.0 / (1.0 + 3f64.exp());
        assert_eq!(a["q1_3_z1"].as_f64().unwrap(), z1);
        // The predicted class is the largest ŷ: 2 here (ŷ₂ ≈ 0.48).
        assert_eq!(a["q1_3_class"], 2);
        assert_eq!(four(a["q1_3_yhat2"].as_f64().unwrap()), "0.4799");
    }

    #[test]
    fn section_5_6_asks_the_reference_to_train() {
        let seen = std::cell::RefCell::new(Vec::new());
        let train = |c: &Config| {
            seen.borrow_mut().push(c.clone());
            Ok((0.5, 0.25))
        };
        let a = answers_of("written", &train).unwrap();
        assert_eq!(seen.borrow().len(), 5);
        assert_eq!(seen.borrow()[4].hidden, [384, 256]);
        assert_eq!(a["q5_6d_test_accuracy"], 0.25);
        assert_eq!(a["q5_6e_train_accuracy"], 0.5);
    }
}
