//! Reference side of `grade`: numpy-exact random numbers and the reference
//! solution of every lab, from which fixtures and handouts are produced.

pub mod rng;
