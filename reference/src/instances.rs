//! Monomorphic copies of the generic ndarray and standard-library code that
//! lab code and adapters commonly instantiate on `f64` matrices and vectors
//! (element-wise arithmetic in every operand form, broadcasting, products,
//! reductions, constructors) and of the wire's const-generic helper.
//!
//! Never called. `grade` builds this module into the prebuilt dependency
//! crate (`grade_wire`, `build::prepare_deps`) at an optimisation level that
//! shares generics (`opt-level = 1`), so that a probe, compiled at
//! `opt-level = 0`, links to these copies instead of generating and
//! compiling them again for every submission (about half of a CS240 probe's
//! code). What is not listed here is instantiated in the probe as before:
//! this file only saves time. It is lab-agnostic, like `wire.rs`.

// Each push is one instantiation on purpose.
#![allow(clippy::vec_init_then_push)]

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde_json::Value;

type M = Array2<f64>;
type V = Array1<f64>;

macro_rules! each_op {
    ($out:ident, $a:expr, $b:expr) => {
        $out.push($a + $b);
        $out.push($a - $b);
        $out.push($a * $b);
        $out.push($a / $b);
    };
}

/// Matrices (2-D) in every operand form, with each other, with vectors
/// (broadcast), with scalars.
#[inline(never)]
pub fn matrices(a: &M, b: &M, v: &V, s: f64, k: &mut M) -> Vec<M> {
    let mut out = Vec::new();
    each_op!(out, a, b);
    each_op!(out, a.clone(), b);
    each_op!(out, a.clone(), b.clone());
    each_op!(out, a, b.clone());
    each_op!(out, a, v);
    each_op!(out, a.clone(), v);
    each_op!(out, a.clone(), v.clone());
    each_op!(out, a, s);
    each_op!(out, a.clone(), s);
    out.push(s + a);
    out.push(s - a);
    out.push(s * a);
    out.push(s / a);
    out.push(s + a.clone());
    out.push(s - a.clone());
    out.push(s * a.clone());
    out.push(s / a.clone());
    let view: ArrayView2<f64> = a.view();
    each_op!(out, &view, b);
    each_op!(out, &a.t(), b);
    out.push(-a.clone());
    out.push(-a);
    out.push(a.dot(b));
    out.push(a.t().dot(b));
    out.push(a.dot(&b.t()));
    out.push(a.t().dot(&b.t()));
    out.push(a.t().to_owned());
    out.push(a.clone().reversed_axes());
    out.push(M::zeros(a.dim()));
    out.push(M::zeros((1, 1)));
    out.push(M::ones(a.dim()));
    out.push(M::from_elem(a.dim(), s));
    out.push(M::from_shape_vec(a.dim(), a.iter().copied().collect()).unwrap_or_default());
    out.push(M::from_shape_fn(a.dim(), |(i, j)| (i + j) as f64));
    out.push(a.sum_axis(Axis(0)).insert_axis(Axis(0)));
    out.push(a.sum_axis(Axis(1)).insert_axis(Axis(1)));
    out.push(v.view().insert_axis(Axis(1)).to_owned());
    out.push(v.view().insert_axis(Axis(0)).dot(a));
    if let Some(m) = a.mean_axis(Axis(0)) {
        out.push(m.insert_axis(Axis(0)));
    }
    for f in [f64::exp, f64::ln, f64::tanh, f64::sqrt, f64::abs] {
        out.push(a.mapv(f));
    }
    out.push(a.map(|x| *x));
    out.push(a.to_owned());
    out.push(
        a.clone()
            .into_shape_with_order((a.len(), 1))
            .unwrap_or_default(),
    );
    out.push(a.select(Axis(0), &[0]));
    out.push(a.slice(ndarray::s![.., 0..1]).to_owned());
    *k += a;
    *k -= a;
    *k *= a;
    *k /= a;
    *k += s;
    *k -= s;
    *k *= s;
    *k /= s;
    *k += v;
    k.assign(a);
    k.fill(s);
    k.mapv_inplace(f64::exp);
    k.zip_mut_with(a, |x, y| *x += *y);
    out.push(k.clone());
    out
}

/// Vectors (1-D), and what matrices reduce to.
#[inline(never)]
pub fn vectors(a: &M, v: &V, w: &V, s: f64, k: &mut V) -> Vec<V> {
    let mut out = Vec::new();
    each_op!(out, v, w);
    each_op!(out, v.clone(), w);
    each_op!(out, v.clone(), w.clone());
    each_op!(out, v, s);
    each_op!(out, v.clone(), s);
    out.push(s * v);
    out.push(s * v.clone());
    out.push(-v.clone());
    let view: ArrayView1<f64> = v.view();
    each_op!(out, &view, w);
    out.push(a.dot(v));
    out.push(v.dot(a));
    out.push(v.mapv(f64::exp));
    out.push(V::zeros(v.len()));
    out.push(V::from_elem(v.len(), s));
    out.push(V::from(v.to_vec()));
    out.push(V::linspace(0.0, 1.0, 3));
    out.push(a.sum_axis(Axis(0)));
    out.push(a.sum_axis(Axis(1)));
    out.push(a.column(0).to_owned());
    out.push(a.row(0).to_owned());
    out.push(a.rows().into_iter().map(|r| r.sum()).collect());
    *k += w;
    *k -= w;
    *k *= s;
    *k += s;
    k.assign(w);
    out.push(k.clone());
    out
}

/// Reductions and iteration.
#[inline(never)]
pub fn scalars(a: &M, v: &V, list: &[M]) -> f64 {
    let mut t = a.sum() + v.sum() + v.dot(v) + a.mean().unwrap_or(0.0);
    t += a.iter().sum::<f64>() + a.iter().map(|x| x * x).sum::<f64>();
    t += a.fold(0.0, |x, y| x + y) + a.iter().copied().fold(f64::NAN, f64::max);
    t += a.iter().zip(a.iter()).map(|(x, y)| x * y).sum::<f64>();
    t += a[[0, 0]] + v[0] + a.len() as f64 + a.nrows() as f64 + a.ncols() as f64;
    for row in a.rows() {
        t += row.sum();
    }
    for (x, y) in list.iter().zip(list) {
        t += (x - y).sum();
    }
    let copies: Vec<M> = list.to_vec();
    let mut more = copies.clone();
    more.push(a.clone());
    more.extend(copies.iter().cloned());
    more.reverse();
    t + more.len() as f64 + a.shape()[0] as f64
}

/// The wire's const-generic helper, for the item counts adapters use.
#[inline(never)]
pub fn wire(v: Value) -> Vec<Value> {
    vec![
        super::outputs([("a", v.clone())]),
        super::outputs([("a", v.clone()), ("b", v.clone())]),
        super::outputs([("a", v.clone()), ("b", v.clone()), ("c", v.clone())]),
        super::outputs([
            ("a", v.clone()),
            ("b", v.clone()),
            ("c", v.clone()),
            ("d", v.clone()),
        ]),
        super::outputs([
            ("a", v.clone()),
            ("b", v.clone()),
            ("c", v.clone()),
            ("d", v.clone()),
            ("e", v.clone()),
        ]),
        super::outputs([
            ("a", v.clone()),
            ("b", v.clone()),
            ("c", v.clone()),
            ("d", v.clone()),
            ("e", v.clone()),
            ("f", v),
        ]),
    ]
}
