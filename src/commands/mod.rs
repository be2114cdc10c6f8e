//! What the subcommands do beyond grading one submission: a class at once
//! (`batch`, `merge`), fixtures from the reference (`regenerate`), and the
//! Gradescope package (`package`), and a lab checked end to end before it is
//! handed out (`check_lab`).

pub mod batch;
pub mod check_lab;
pub mod package;
pub mod regenerate;
