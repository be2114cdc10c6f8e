//! Reference side of `grade`: numpy-exact random numbers, the wire format the
//! probe speaks, and the reference solution of every lab, from which fixtures
//! and handouts are produced; the data sets labs train on (`data`).

pub mod data;
pub mod fixtures;
#[cfg(feature = "solutions")]
pub mod labs;
pub mod rng;
pub mod wire;
