//! Which build of `grade` this is. Three are made from one source:
//! - **full** (default features): every lab's reference solution is linked,
//!   so it can make fixtures; it grades from the lab files on disk.
//! - **grading** (`--no-default-features`): no reference solution linked; what
//!   the Gradescope image builds, since grading needs none.
//! - **student** (`--no-default-features --features student`): the public cases
//!   alone, embedded; for students and their CI. Its score is not the grade.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BuildKind {
    Full,
    Grading,
    Student,
}

impl BuildKind {
    pub const CURRENT: BuildKind = if cfg!(feature = "student") {
        BuildKind::Student
    } else if cfg!(feature = "reference") {
        BuildKind::Full
    } else {
        BuildKind::Grading
    };

    /// The word results.json's `extra_data.build` carries.
    pub fn name(self) -> &'static str {
        match self {
            BuildKind::Full => "full",
            BuildKind::Grading => "grading",
            BuildKind::Student => "student",
        }
    }

    /// Refuses a command only the course's own grader may run, naming why.
    pub fn require_course_grader(self, command: &str) -> anyhow::Result<()> {
        if self == BuildKind::Student {
            anyhow::bail!(
                "`grade {command}` needs the full grader; this is the student build \
                 (public cases only, no reference solutions or hidden cases). \
                 Course staff: install the full grader with `cargo install --locked --path .` \
                 from the grade repository"
            );
        }
        Ok(())
    }
}

/// `grade --version`: the version and the build, so the two can be told apart.
pub const VERSION: &str = if cfg!(feature = "student") {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (student build: public cases only; your final grade comes from the course's grader)"
    )
} else if cfg!(feature = "reference") {
    concat!(env!("CARGO_PKG_VERSION"), " (full build)")
} else {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (grading build: no reference solutions)"
    )
};
