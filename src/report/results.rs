//! Gradescope's `results.json`: the model and its atomic writing.
//! Field names and values follow Gradescope's autograder specification.

use crate::lab::rubric::Visibility;
use crate::report::untrusted;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    /// The submission's total; Gradescope uses it instead of summing tests.
    pub score: f64,
    /// Seconds the whole grading took.
    pub execution_time: f64,
    /// Text for the whole submission (build errors, notices).
    pub output: String,
    pub output_format: String,
    pub visibility: Visibility,
    /// Gradescope shows the autograder's own stdout to students only if visible;
    /// ours carries nothing secret but the table is already in `tests`.
    pub stdout_visibility: Visibility,
    pub tests: Vec<TestResult>,
    /// Gradescope's leaderboard, when the rubric defines one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaderboard: Vec<LeaderboardEntry>,
    /// Gradescope stores this and shows it to no one; ours says what became of
    /// the submission, for the class view (`grade batch`'s gradebook).
    #[serde(default, skip_serializing_if = "ExtraData::is_empty")]
    pub extra_data: ExtraData,
}

/// Machine-readable facts about a grading, in results.json's `extra_data`.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExtraData {
    /// Absent in results.json written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Which build of `grade` wrote it (`full`, `grading` or `student`): a
    /// student build's score covers the public cases only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
}

impl ExtraData {
    pub fn with_status(status: Status) -> ExtraData {
        ExtraData {
            status: Some(status),
            build: Some(crate::build_kind::BuildKind::CURRENT.name().to_string()),
        }
    }

    fn is_empty(&self) -> bool {
        self.status.is_none() && self.build.is_none()
    }
}

/// What became of a submission: graded (whatever the score), or why not.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    #[serde(rename = "graded")]
    Graded,
    /// The student's file (or its API) did not compile.
    #[serde(rename = "did not compile")]
    DidNotCompile,
    /// No usable student file in the upload.
    #[serde(rename = "no file found")]
    NoFileFound,
    /// The grader itself failed.
    #[serde(rename = "grader failure")]
    GraderFailure,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Graded => "graded",
            Status::DidNotCompile => "did not compile",
            Status::NoFileFound => "no file found",
            Status::GraderFailure => "grader failure",
        }
    }
}

/// One leaderboard column: the student's value, and which way is better.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LeaderboardEntry {
    pub name: String,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    pub score: f64,
    pub max_score: f64,
    /// "passed" or "failed"
    pub status: String,
    pub name: String,
    pub number: String,
    pub output: String,
    pub visibility: Visibility,
    pub execution_time: f64,
    /// Machine-readable facts about the test (Gradescope stores a test's
    /// `extra_data` and shows it to no one): what the class report groups by,
    /// never read back from the feedback text.
    #[serde(default, skip_serializing_if = "TestExtra::is_empty")]
    pub extra_data: TestExtra,
}

/// A test's `extra_data`.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct TestExtra {
    /// The known mistakes (the lab's catalogue) this test's failed cases
    /// gave, each with its hint: the grader's words, never the student's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_mistakes: Vec<KnownMistake>,
}

impl TestExtra {
    pub fn is_empty(&self) -> bool {
        self.known_mistakes.is_empty()
    }
}

/// A known mistake named in a test.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KnownMistake {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Results {
    /// The grader itself failed (not the student): a valid results.json that says so.
    pub fn grader_failure(cause: &str) -> Results {
        Results {
            score: 0.0,
            execution_time: 0.0,
            output: format!(
                "The autograder could not grade this submission (not your fault): {cause}. \
                 Please tell course staff."
            ),
            output_format: "text".into(),
            visibility: Visibility::Visible,
            stdout_visibility: Visibility::Hidden,
            tests: Vec::new(),
            leaderboard: Vec::new(),
            extra_data: ExtraData::with_status(Status::GraderFailure),
        }
    }

    pub fn max_score(&self) -> f64 {
        self.tests.iter().map(|t| t.max_score).sum()
    }

    /// Writes the file atomically: a crash never leaves half a results.json.
    /// It holds at most [`untrusted::RESULTS_BYTES`]: see [`Results::json`].
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = self.json()?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())?;
        persist_readable(tmp, path)
    }
}

impl Results {
    /// results.json's text, within [`untrusted::RESULTS_BYTES`]: the output
    /// within [`untrusted::OUTPUT_BYTES`] and each test's within
    /// [`untrusted::TEST_BYTES`] (the grader keeps them so already), then,
    /// should a rubric's many tests still make it larger, every text cut to
    /// a smaller share until it fits. Scores and names are never cut.
    pub fn json(&self) -> Result<String> {
        let (mut output_cap, mut test_cap) = (untrusted::OUTPUT_BYTES, untrusted::TEST_BYTES);
        let mut text = serde_json::to_string_pretty(&self.markdown(output_cap, test_cap))? + "\n";
        while text.len() > untrusted::RESULTS_BYTES && (output_cap > 256 || test_cap > 256) {
            output_cap = (output_cap / 2).max(256);
            test_cap = (test_cap / 2).max(256);
            text = serde_json::to_string_pretty(&self.markdown(output_cap, test_cap))? + "\n";
        }
        Ok(text)
    }

    /// A copy for Gradescope, which renders `output_format: "md"`: each text
    /// as [`untrusted::markdown_block`] (a plain first line, the rest in a
    /// code block: lines and alignment kept, nothing a student wrote is
    /// markup), within the caps. The terminal table, GitHub and JUnit
    /// formats read the text itself.
    pub fn markdown(&self, output_cap: usize, test_cap: usize) -> Results {
        let mut r = self.clone();
        r.output = untrusted::markdown_within(&r.output, output_cap);
        for t in &mut r.tests {
            t.output = untrusted::markdown_within(&t.output, test_cap);
        }
        r.output_format = "md".into();
        r
    }
}

/// Moves a finished temporary file into place, readable by everyone like any
/// other file we write (temporary files start private).
pub fn persist_readable(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Scores are shown and stored to 1/10000 of a point, which keeps
/// proportional fractions (e.g. 35 × 3/4) exact and sums clean.
pub fn round_score(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::sample::{results, test};
    use crate::report::untrusted::{OUTPUT_BYTES, RESULTS_BYTES, TEST_BYTES};

    #[test]
    fn results_json_is_bounded_whatever_the_texts() {
        // A 10 MB output and a 5 MB test feedback, as a careless caller might pass.
        let r = results(
            &"o".repeat(10 << 20),
            vec![test("1", "t", 0.0, 1.0, &"\"".repeat(5 << 20))],
        );
        let text = r.json().unwrap();
        assert!(
            text.len() <= OUTPUT_BYTES + 2 * TEST_BYTES + 4096,
            "{}",
            text.len()
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(back["output"].as_str().unwrap().contains("more bytes cut"));
        // Hundreds of tests, each at its cap of JSON-escaped text: still 1 MiB.
        let many = (0..400)
            .map(|i| test(&i.to_string(), "t", 0.0, 1.0, &"\\".repeat(TEST_BYTES)))
            .collect();
        let text = results(&"o".repeat(OUTPUT_BYTES), many).json().unwrap();
        assert!(text.len() <= RESULTS_BYTES, "{}", text.len());
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["tests"].as_array().unwrap().len(), 400);
        // Small results are written as they are, in Markdown.
        let small = results("ok", vec![test("1", "t", 1.0, 1.0, "fine")]);
        assert_eq!(
            small.json().unwrap(),
            serde_json::to_string_pretty(&small.markdown(OUTPUT_BYTES, TEST_BYTES)).unwrap() + "\n"
        );
        let back: serde_json::Value = serde_json::from_str(&small.json().unwrap()).unwrap();
        assert_eq!(back["output_format"], "md");
        assert_eq!(back["tests"][0]["output"], "fine");
    }
}

/// Hand-built results for the unit tests of the formatters.
#[cfg(test)]
pub(crate) mod sample {
    use super::{ExtraData, Results, Status, TestResult};
    use crate::lab::rubric::Visibility;

    pub fn test(number: &str, name: &str, score: f64, max: f64, output: &str) -> TestResult {
        TestResult {
            score,
            max_score: max,
            status: if score == max { "passed" } else { "failed" }.into(),
            name: name.into(),
            number: number.into(),
            output: output.into(),
            visibility: Visibility::Visible,
            execution_time: 0.25,
            extra_data: Default::default(),
        }
    }

    pub fn results(output: &str, tests: Vec<TestResult>) -> Results {
        Results {
            score: tests.iter().map(|t| t.score).sum(),
            execution_time: 1.5,
            output: output.into(),
            output_format: "text".into(),
            visibility: Visibility::Visible,
            stdout_visibility: Visibility::Hidden,
            tests,
            leaderboard: Vec::new(),
            extra_data: ExtraData::with_status(Status::Graded),
        }
    }
}

/// What became of a submission: results.json's `extra_data.status`, or, in a
/// results.json written before that field existed, what its texts say.
pub fn status(results: &Results) -> Status {
    if let Some(status) = results.extra_data.status {
        return status;
    }
    let output = &results.output;
    if output.starts_with(GRADER_FAILURE_PREFIX) || results.tests.is_empty() {
        Status::GraderFailure
    } else if results
        .tests
        .iter()
        .all(|t| t.output.starts_with("Not graded: "))
    {
        if output.contains(" does not compile, so nothing could be graded")
            || output.contains("does not provide what the grader calls")
        {
            Status::DidNotCompile
        } else {
            Status::NoFileFound
        }
    } else {
        Status::Graded
    }
}

/// How `Results::grader_failure` starts its output.
pub(crate) const GRADER_FAILURE_PREFIX: &str =
    "The autograder could not grade this submission (not your fault): ";
