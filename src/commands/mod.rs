//! What the subcommands do beyond grading one submission: a class at once
//! (`batch`, `merge`), fixtures from the reference (`regenerate`), and the
//! Gradescope package (`package`).

pub mod batch;
pub mod package;
pub mod regenerate;
