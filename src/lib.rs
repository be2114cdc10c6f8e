//! `grade`: an autograder for neural-network labs.
//!
//! The core in this crate knows no lab. A lab is data (`reference/labs/<lab>/lab.toml`,
//! `rubrics/<lab>.toml`, `fixtures/<lab>/*.json`) plus a reference solution and a
//! thin adapter in the `grade-reference` crate. See `docs/ARCHITECTURE.md`.

pub mod batch;
pub mod build_kind;
pub mod compare;
pub mod compile;
pub mod fixture;
pub mod github;
pub mod gradebook;
pub mod grading;
pub mod handout;
pub mod jail;
pub mod junit;
pub mod lab;
pub mod package;
pub mod paths;
pub mod protocol;
pub mod reaper;
pub mod regenerate;
pub mod regions;
pub mod report;
pub mod results;
pub mod rubric;
pub mod safe_write;
pub mod sandbox;
pub mod submission;
pub mod untrusted;
