//! `grade`: an autograder for neural-network labs.
//!
//! The core in this crate knows no lab. A lab is data (`reference/labs/<lab>/lab.toml`,
//! `rubrics/<lab>.toml`, `fixtures/<lab>/*.json`) plus a reference solution and a
//! thin adapter in the `grade-reference` crate. See `docs/ARCHITECTURE.md`.
//!
//! The folders follow a submission's path: `lab` (a lab as data) → `build`
//! (compile the probe) → `sandbox` (run untrusted code) → `grading` (find the
//! file, run every item × case, compare and score) → `report` (results.json,
//! the terminal, CI formats, the class gradebook and report); `commands` holds
//! what the subcommands do beyond grading one submission; `similarity`
//! compares a class's files with each other (`grade similar`). Beneath them
//! all, `upload` reads what a student uploaded on guarded terms.

pub mod build;
pub mod build_kind;
pub mod commands;
pub mod grading;
pub mod lab;
pub mod report;
pub mod sandbox;
pub mod upload;
// Course staff's tool: not in the student build.
#[cfg(not(feature = "student"))]
pub mod similarity;
