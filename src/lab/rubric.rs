//! `rubrics/<lab>.toml`: the graded tests, their points, cases, tolerances and
//! Gradescope visibility. A malformed rubric is refused with the file, the key
//! and what is wrong.

use crate::lab::one_line;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub lab: String,
    /// The lab's total; when given, the tests' points must add up to it.
    #[serde(default)]
    pub total_points: Option<f64>,
    #[serde(default)]
    pub limits: Limits,
    /// Every case the tests may use, with whether its details are hidden.
    pub cases: Vec<CaseRef>,
    pub tests: Vec<TestSpec>,
    /// Gradescope leaderboard columns, each the last number of one output.
    #[serde(default)]
    pub leaderboard: Vec<LeaderboardSpec>,
    /// Whose other functions a failed test is graded with (`grading/isolate.rs`).
    #[serde(default)]
    pub credit: Credit,
}

/// How a test that fails as written is scored.
#[derive(Debug, Default, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Credit {
    /// Graded again with the reference's versions of the other graded items'
    /// functions (the lab's `[items]`), so that a bug costs only the tests of
    /// the function that holds it; the as-written result is shown too.
    #[default]
    Isolated,
    /// Graded only as written: a bug also fails every test whose item calls it.
    AsWritten,
}

/// A leaderboard column: the last number of `output` of `item` on `case`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaderboardSpec {
    pub name: String,
    pub item: String,
    pub case: String,
    pub output: String,
    /// "asc" when smaller is better; Gradescope's default is larger.
    #[serde(default)]
    pub order: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// CPU-time limit for one case's probe run (load does not change CPU
    /// time; a generous wall-clock backstop stands behind it).
    pub case_seconds: f64,
    /// CPU-time budget for all of a submission's probe runs.
    pub submission_seconds: f64,
    /// Wall-clock limit for compiling the submission.
    pub compile_seconds: f64,
    /// Address-space limit for one probe run.
    pub memory_mib: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            case_seconds: 10.0,
            submission_seconds: 300.0,
            compile_seconds: 120.0,
            memory_mib: 1024,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRef {
    pub id: String,
    /// Hidden cases are graded, but their inputs and expected values are not
    /// shown in feedback.
    #[serde(default)]
    pub hidden: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// Gradescope's test number, e.g. "1" or "7.2".
    pub number: String,
    pub name: String,
    /// The graded item the probe runs (an adapter item).
    pub item: String,
    /// Which of the item's outputs this test compares; all when absent.
    #[serde(default)]
    pub outputs: Option<Vec<String>>,
    pub points: f64,
    /// Case ids; all of the rubric's cases when absent.
    #[serde(default)]
    pub cases: Option<Vec<String>>,
    #[serde(default = "default_rtol")]
    pub rtol: f64,
    #[serde(default = "default_atol")]
    pub atol: f64,
    /// How answers are judged: `close` (within `rtol`/`atol`, the default),
    /// `rounded` (within half a unit of the `decimals`-th decimal), `exact`,
    /// or `at_least` / `at_most` a bound (`threshold`, or the reference's
    /// value loosened by `margin`; only on a `measure`).
    #[serde(default)]
    pub compare: CompareKind,
    /// A number the grader computes from each output and the case's truth
    /// (the fixture's `truth`, never given to the probe), compared instead of
    /// the output itself with the reference's number for the reference's
    /// output: an accuracy from predicted classes and the labels, an error
    /// from reconstructions and the originals.
    #[serde(default)]
    pub measure: Option<Measure>,
    #[serde(default)]
    pub decimals: Option<u32>,
    /// What the question's number is measured in, when it says (an accuracy
    /// as a `fraction` in [0, 1] or a `percent` in [0, 100]): the expected
    /// values are checked against it at load, and a wrong answer outside
    /// its range gets a hint decided from the answer alone.
    #[serde(default)]
    pub unit: Option<Unit>,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub margin: Option<f64>,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub scoring: Scoring,
    /// For `compare = "accuracy"`: the bands the share of right answers is
    /// placed in, each with its points (the test's points are the best
    /// band's; 0 for an ungraded contest such as CS240's tuning).
    #[serde(default)]
    pub bands: Vec<Band>,
    /// Test numbers that must pass in full, as written, before this test's
    /// runs start (a training run that uses the graded functions): otherwise
    /// it is not run, scores 0 and posts nothing to the leaderboard.
    #[serde(default)]
    pub after: Vec<String>,
    /// This test's runs' own time limit, instead of `limits.case_seconds`
    /// (a training run's budget).
    #[serde(default)]
    pub seconds: Option<f64>,
}

/// An accuracy band (`[[tests.bands]]`): reached when the share of right
/// answers is strictly `above` its bound, as the seeds word them ("greater
/// than 90 %: very good").
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub name: String,
    /// A share in `[0, 1)`.
    pub above: f64,
    #[serde(default)]
    pub points: f64,
}

/// The unit a number answer is in (`unit = ...`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share, in [0, 1] (0.875).
    Fraction,
    /// A share in per cent, in [0, 100] (87.5).
    Percent,
}

impl Unit {
    /// The values an answer in this unit can take.
    pub fn range(self) -> std::ops::RangeInclusive<f64> {
        match self {
            Unit::Fraction => 0.0..=1.0,
            Unit::Percent => 0.0..=100.0,
        }
    }

    /// The unit in words, with its range.
    pub fn describe(self) -> &'static str {
        match self {
            Unit::Fraction => "a fraction between 0 and 1",
            Unit::Percent => "a percentage between 0 and 100",
        }
    }
}

/// What the grader measures of an output against the case's truth (`measure = ...`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The share of entries equal to the truth's (classes against labels).
    Accuracy,
    /// The mean over every entry of the squared difference from the truth's
    /// (a reconstruction against the original).
    MeanSquaredError,
}

impl Measure {
    /// The measure's name in feedback.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Accuracy => "accuracy",
            Measure::MeanSquaredError => "mean squared error",
        }
    }
}

/// A rubric test's comparison (`compare = ...`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Equal within the test's `rtol`/`atol` (the default).
    Close,
    /// Within half a unit of the `decimals`-th decimal of the expected value:
    /// a written answer rounded as instructed (0.12345 → 0.1235).
    Rounded { decimals: u32 },
    /// Exactly equal: integers, classes, choices (text is compared trimmed
    /// and ignoring case).
    Exact,
    /// One-sided: the answer must reach the bound (an accuracy).
    AtLeast(Bound),
    /// One-sided: the answer must not exceed the bound (an error, a gradient
    /// check's relative difference).
    AtMost(Bound),
    /// A list of classes, scored by the share equal to the expected ones
    /// (placed in the test's `bands`); any well-formed answer is "answered".
    Accuracy,
}

/// The bound of a one-sided comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// The rubric's own number.
    Fixed(f64),
    /// The reference's value, loosened by `margin` (below it for `at_least`,
    /// above for `at_most`).
    Reference { margin: f64 },
}

/// The rubric's `compare` values.
#[derive(Debug, Default, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CompareKind {
    #[default]
    Close,
    Rounded,
    Exact,
    AtLeast,
    AtMost,
    Accuracy,
}

impl TestSpec {
    /// Whether this test waits for others (`after`): its runs start only
    /// once the main runs are scored.
    pub fn deferred(&self) -> bool {
        !self.after.is_empty()
    }

    /// The outputs this test compares, of an item whose expected outputs are
    /// `expected`: its `outputs`, or every one.
    pub fn output_names(&self, expected: &serde_json::Value) -> Vec<String> {
        match &self.outputs {
            Some(names) => names.clone(),
            None => expected
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }

    /// The best band `share` reaches, if any.
    pub fn band(&self, share: f64) -> Option<&Band> {
        self.bands
            .iter()
            .filter(|b| share > b.above)
            .max_by(|a, b| a.above.total_cmp(&b.above))
    }

    /// The comparison this test applies (valid once the rubric is loaded).
    pub fn rule(&self) -> Rule {
        let bound = || match (self.threshold, self.margin) {
            (Some(t), _) => Bound::Fixed(t),
            (None, m) => Bound::Reference {
                margin: m.unwrap_or(0.0),
            },
        };
        match self.compare {
            CompareKind::Close => Rule::Close,
            CompareKind::Rounded => Rule::Rounded {
                decimals: self.decimals.unwrap_or(0),
            },
            CompareKind::Exact => Rule::Exact,
            CompareKind::AtLeast => Rule::AtLeast(bound()),
            CompareKind::AtMost => Rule::AtMost(bound()),
            CompareKind::Accuracy => Rule::Accuracy,
        }
    }

    /// The comparison keys must fit `compare`: one line naming the key.
    fn check_comparison(&self) -> Result<(), String> {
        let kind = match self.compare {
            CompareKind::Close => "close",
            CompareKind::Rounded => "rounded",
            CompareKind::Exact => "exact",
            CompareKind::AtLeast => "at_least",
            CompareKind::AtMost => "at_most",
            CompareKind::Accuracy => "accuracy",
        };
        let one_sided = matches!(self.compare, CompareKind::AtLeast | CompareKind::AtMost);
        match (self.measure, self.compare) {
            (None, CompareKind::AtLeast | CompareKind::AtMost) => {
                return Err(format!(
                    "compare: \"{kind}\" only bounds a measure the grader computes (measure = \
                     \"accuracy\" or \"mean_squared_error\"): a bound on a number the student's \
                     code reports is met by reporting a constant; compare such a number with \
                     the reference's (compare = \"close\"), on fixed inputs"
                ))
            }
            (Some(_), CompareKind::Rounded | CompareKind::Exact | CompareKind::Accuracy) => {
                return Err(format!(
                    "measure: only with compare = \"close\", \"at_least\" or \"at_most\" (this \
                     test's is \"{kind}\")"
                ))
            }
            _ => {}
        }
        match (self.compare, self.decimals) {
            (CompareKind::Rounded, None) => {
                return Err("decimals: compare = \"rounded\" needs it (e.g. decimals = 4)".into())
            }
            (CompareKind::Rounded, Some(d)) if d > 15 => {
                return Err(format!(
                    "decimals: {d} is more than an f64 holds; use 15 or fewer"
                ))
            }
            (CompareKind::Rounded, _) | (_, None) => {}
            (_, Some(_)) => {
                return Err(format!(
                    "decimals: only for compare = \"rounded\" (this test's is \"{kind}\")"
                ))
            }
        }
        for (key, v) in [("threshold", self.threshold), ("margin", self.margin)] {
            match v {
                Some(_) if !one_sided => {
                    return Err(format!(
                        "{key}: only for compare = \"at_least\" or \"at_most\" (this test's is \"{kind}\")"
                    ))
                }
                Some(x) if !x.is_finite() || (key == "margin" && x < 0.0) => {
                    return Err(format!("{key}: must be a finite number{}, found {x}",
                        if key == "margin" { " ≥ 0" } else { "" }))
                }
                _ => {}
            }
        }
        // A unit describes a number the answer gives; a measure's number and
        // an accuracy's share are the grader's own.
        if self.unit.is_some() && (self.measure.is_some() || self.compare == CompareKind::Accuracy)
        {
            return Err(format!(
                "unit: only for a number the answer gives, not with {} (the grader computes \
                 that number itself)",
                if self.measure.is_some() {
                    "a measure".to_string()
                } else {
                    format!("compare = \"{kind}\"")
                }
            ));
        }
        if self.threshold.is_some() && self.margin.is_some() {
            return Err(
                "threshold and margin: give one (a fixed bound, or the reference's value ± margin)"
                    .into(),
            );
        }
        self.check_bands(kind)
    }

    /// Bands belong to `compare = "accuracy"`, which needs at least one; the
    /// test's points are its best band's.
    fn check_bands(&self, kind: &str) -> Result<(), String> {
        if self.compare != CompareKind::Accuracy {
            if !self.bands.is_empty() {
                return Err(format!(
                    "bands: only for compare = \"accuracy\" (this test's is \"{kind}\")"
                ));
            }
            return Ok(());
        }
        if self.bands.is_empty() {
            return Err("bands: compare = \"accuracy\" needs at least one \
                        (e.g. [[tests.bands]] name = \"Good\", above = 0.87)"
                .into());
        }
        let mut names = BTreeSet::new();
        for (j, b) in self.bands.iter().enumerate() {
            if b.name.trim().is_empty() || !names.insert(b.name.as_str()) {
                return Err(format!("bands[{j}].name: empty or used twice"));
            }
            if !(b.above.is_finite() && (0.0..1.0).contains(&b.above)) {
                return Err(format!(
                    "bands[{j}].above: a share of right answers in [0, 1), found {}",
                    b.above
                ));
            }
            if !(b.points.is_finite() && b.points >= 0.0) {
                return Err(format!(
                    "bands[{j}].points: must be a number ≥ 0, found {}",
                    b.points
                ));
            }
        }
        let best = self.bands.iter().map(|b| b.points).fold(0.0, f64::max);
        if (best - self.points).abs() > 1e-9 {
            return Err(format!(
                "points: {} but the best band gives {best}; a banded test is worth its best band",
                self.points
            ));
        }
        match &self.cases {
            Some(c) if c.len() == 1 => Ok(()),
            _ => Err("cases: an accuracy test names exactly one case (its data set)".into()),
        }
    }
}

fn default_rtol() -> f64 {
    1e-7
}

fn default_atol() -> f64 {
    1e-12
}

/// Gradescope's visibility values.
#[derive(Debug, Default, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Visible,
    Hidden,
    AfterDueDate,
    AfterPublished,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// points × passed cases / cases
    #[default]
    Proportional,
    /// all points when every case passes, else none
    AllOrNothing,
}

impl Rubric {
    pub fn load(path: &Path, lab: &str) -> Result<Rubric> {
        let shown = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => bail!("cannot read rubric {shown}: {e}; every lab needs rubrics/<lab>.toml"),
        };
        let rubric: Rubric = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{shown}: {}", one_line(&e.to_string())))?;
        rubric
            .validate(lab)
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        Ok(rubric)
    }

    fn validate(&self, lab: &str) -> Result<(), String> {
        if self.lab != lab {
            return Err(format!(
                "lab = \"{}\" but this is the rubric of \"{lab}\"",
                self.lab
            ));
        }
        let l = &self.limits;
        for (key, v) in [
            ("case_seconds", l.case_seconds),
            ("submission_seconds", l.submission_seconds),
            ("compile_seconds", l.compile_seconds),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!(
                    "limits.{key}: must be a positive number of seconds, found {v}"
                ));
            }
        }
        if self.cases.is_empty() {
            return Err("cases: a rubric needs at least one [[cases]] entry".into());
        }
        let mut case_ids = BTreeSet::new();
        for (i, c) in self.cases.iter().enumerate() {
            if !case_ids.insert(c.id.as_str()) {
                return Err(format!("cases[{i}].id: \"{}\" is listed twice", c.id));
            }
        }
        if self.tests.is_empty() {
            return Err("tests: a rubric needs at least one [[tests]] entry".into());
        }
        let (mut numbers, mut names) = (BTreeSet::new(), BTreeSet::new());
        for (i, t) in self.tests.iter().enumerate() {
            let at = format!("tests[{i}] ({})", t.name);
            if !numbers.insert(t.number.as_str()) {
                return Err(format!("{at}.number: \"{}\" is used twice", t.number));
            }
            if !names.insert(t.name.as_str()) {
                return Err(format!("{at}.name: used twice"));
            }
            if !(t.points.is_finite() && t.points >= 0.0) {
                return Err(format!(
                    "{at}.points: must be a number ≥ 0, found {}",
                    t.points
                ));
            }
            for (key, v) in [("rtol", t.rtol), ("atol", t.atol)] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(format!("{at}.{key}: must be a number ≥ 0, found {v}"));
                }
            }
            t.check_comparison().map_err(|e| format!("{at}.{e}"))?;
            if let Some(cases) = &t.cases {
                if cases.is_empty() {
                    return Err(format!("{at}.cases: empty; omit the key to use every case"));
                }
                if let Some(unknown) = cases.iter().find(|c| !case_ids.contains(c.as_str())) {
                    return Err(format!(
                        "{at}.cases: \"{unknown}\" is not one of the rubric's [[cases]]"
                    ));
                }
            }
            if t.outputs.as_ref().is_some_and(|o| o.is_empty()) {
                return Err(format!(
                    "{at}.outputs: empty; omit the key to compare every output"
                ));
            }
            if let Some(v) = t.seconds {
                if !(v.is_finite() && v > 0.0 && v <= l.submission_seconds) {
                    return Err(format!(
                        "{at}.seconds: must be positive and at most limits.submission_seconds \
                         ({}), found {v}",
                        l.submission_seconds
                    ));
                }
            }
        }
        for (i, t) in self.tests.iter().enumerate() {
            let at = format!("tests[{i}] ({})", t.name);
            for n in &t.after {
                let Some(other) = self.tests.iter().find(|o| o.number == *n) else {
                    return Err(format!("{at}.after: no test is numbered \"{n}\""));
                };
                if other.number == t.number || other.deferred() {
                    return Err(format!(
                        "{at}.after: \"{n}\" waits for other tests itself; name tests that run first"
                    ));
                }
            }
            // Runs are per (item, case): an item's runs either wait or not.
            if t.deferred() {
                if let Some(o) = self
                    .tests
                    .iter()
                    .find(|o| o.item == t.item && !o.deferred())
                {
                    return Err(format!(
                        "{at}.after: item \"{}\" is also graded by test {}, which does not wait; \
                         give the waiting test an item of its own",
                        t.item, o.number
                    ));
                }
                if let Some(o) = self
                    .tests
                    .iter()
                    .find(|o| o.item == t.item && o.deferred() && o.after != t.after)
                {
                    return Err(format!(
                        "{at}.after: test {} grades the same item and waits for other tests; \
                         give both the same `after`",
                        o.number
                    ));
                }
            }
        }
        for (i, l) in self.leaderboard.iter().enumerate() {
            let at = format!("leaderboard[{i}] ({})", l.name);
            match self.cases.iter().find(|c| c.id == l.case) {
                None => {
                    return Err(format!(
                        "{at}.case: \"{}\" is not one of the rubric's [[cases]]",
                        l.case
                    ))
                }
                Some(c) if c.hidden => {
                    return Err(format!(
                        "{at}.case: \"{}\" is hidden; a leaderboard is public",
                        l.case
                    ))
                }
                Some(_) => {}
            }
            if let Some(order) = &l.order {
                if order != "asc" && order != "desc" {
                    return Err(format!("{at}.order: \"{order}\"; use \"asc\" or \"desc\""));
                }
            }
        }
        if let Some(total) = self.total_points {
            let sum: f64 = self.tests.iter().map(|t| t.points).sum();
            if (sum - total).abs() > 1e-9 {
                return Err(format!(
                    "total_points: the tests' points add up to {sum}, not {total}; fix a test's points or the total"
                ));
            }
        }
        Ok(())
    }

    /// The case ids a test runs on, in rubric order.
    pub fn cases_of<'a>(&'a self, test: &'a TestSpec) -> Vec<&'a CaseRef> {
        match &test.cases {
            None => self.cases.iter().collect(),
            Some(ids) => self.cases.iter().filter(|c| ids.contains(&c.id)).collect(),
        }
    }

    pub fn total_points(&self) -> f64 {
        self.tests.iter().map(|t| t.points).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        lab = "demo"
        [[cases]]
        id = "a"
        [[tests]]
        number = "1"
        name = "f"
        item = "f"
        points = 5
    "#;

    fn parse(text: &str) -> Result<Rubric, String> {
        let r: Rubric = toml::from_str(text).map_err(|e| e.to_string())?;
        r.validate("demo")?;
        Ok(r)
    }

    /// GOOD plus a banded training test "9" that waits for test "1".
    fn banded(extra: &str) -> String {
        format!(
            "{GOOD}\n[[tests]]\nnumber = \"9\"\nname = \"tuning\"\nitem = \"t\"\ncases = [\"a\"]\n\
             compare = \"accuracy\"\nafter = [\"1\"]\n{extra}"
        )
    }

    #[test]
    fn a_banded_test_is_worth_its_best_band_and_waits_for_real_tests() {
        let ok = banded(
            "points = 2\nseconds = 30\nbands = [{ name = \"Good\", above = 0.87, points = 2 }, \
             { name = \"Fair\", above = 0.5, points = 1 }]\n",
        );
        let r = parse(&ok).unwrap();
        let t = &r.tests[1];
        assert!(t.deferred());
        assert_eq!(t.band(0.9).map(|b| b.name.as_str()), Some("Good"));
        assert_eq!(
            t.band(0.87).map(|b| b.name.as_str()),
            Some("Fair"),
            "strictly above"
        );
        assert_eq!(t.band(0.5), None);
        for (extra, key) in [
            ("points = 0\n", "bands: compare = \"accuracy\" needs"),
            ("points = 1\nbands = [{ name = \"G\", above = 0.8, points = 2 }]\n", "points: 1 but the best band gives 2"),
            ("points = 0\nbands = [{ name = \"G\", above = 1.0 }]\n", "bands[0].above"),
            ("points = 0\nbands = [{ name = \"G\", above = 0.1 }, { name = \"G\", above = 0.2 }]\n", "bands[1].name"),
            ("points = 0\nseconds = 301\nbands = [{ name = \"G\", above = 0.1 }]\n", "seconds: must be positive"),
        ] {
            let err = parse(&banded(extra)).unwrap_err();
            assert!(err.contains(key), "{extra}: {err}");
        }
        let unknown = banded("points = 0\nbands = [{ name = \"G\", above = 0.1 }]\n")
            .replace("after = [\"1\"]", "after = [\"7\"]");
        assert!(parse(&unknown)
            .unwrap_err()
            .contains("after: no test is numbered \"7\""));
        let own = banded("points = 0\nbands = [{ name = \"G\", above = 0.1 }]\n")
            .replace("after = [\"1\"]", "after = [\"9\"]");
        assert!(parse(&own)
            .unwrap_err()
            .contains("waits for other tests itself"));
        let shared = banded("points = 0\nbands = [{ name = \"G\", above = 0.1 }]\n")
            .replace("item = \"t\"", "item = \"f\"");
        assert!(
            parse(&shared)
                .unwrap_err()
                .contains("also graded by test 1"),
            "{shared}"
        );
        let not_accuracy = format!("{GOOD}bands = [{{ name = \"G\", above = 0.1 }}]\n");
        assert!(parse(&not_accuracy)
            .unwrap_err()
            .contains("bands: only for compare = \"accuracy\""));
        let two_cases = banded("points = 0\nbands = [{ name = \"G\", above = 0.1 }]\n")
            .replace("cases = [\"a\"]", "")
            .replace(
                "[[cases]]\n        id = \"a\"",
                "[[cases]]\n        id = \"a\"\n[[cases]]\nid = \"b\"",
            );
        assert!(
            parse(&two_cases).unwrap_err().contains("exactly one case"),
            "{two_cases}"
        );
    }

    #[test]
    fn a_minimal_rubric_gets_defaults() {
        let r = parse(GOOD).unwrap();
        assert_eq!(r.tests[0].rtol, 1e-7);
        assert_eq!(r.tests[0].visibility, Visibility::Visible);
        assert_eq!(r.limits.case_seconds, 10.0);
        assert_eq!(r.total_points(), 5.0);
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err = parse(&GOOD.replace("points = 5", "points = 5\npointz = 1")).unwrap_err();
        assert!(err.contains("pointz"), "{err}");
    }

    #[test]
    fn negative_points_are_refused_with_the_test_named() {
        let err = parse(&GOOD.replace("points = 5", "points = -5")).unwrap_err();
        assert!(err.contains("tests[0] (f).points"), "{err}");
    }

    #[test]
    fn an_unknown_case_is_refused() {
        let err = parse(&GOOD.replace("points = 5", "points = 5\ncases = [\"b\"]")).unwrap_err();
        assert!(err.contains("\"b\" is not one of"), "{err}");
    }

    #[test]
    fn credit_is_isolated_unless_the_rubric_says_as_written() {
        assert_eq!(parse(GOOD).unwrap().credit, Credit::Isolated);
        let r = parse(&GOOD.replace("lab = \"demo\"", "lab = \"demo\"\ncredit = \"as_written\""))
            .unwrap();
        assert_eq!(r.credit, Credit::AsWritten);
        let err = parse(&GOOD.replace("lab = \"demo\"", "lab = \"demo\"\ncredit = \"generous\""))
            .unwrap_err();
        assert!(err.contains("generous"), "{err}");
    }

    #[test]
    fn comparison_keys_must_fit_the_comparison() {
        let with =
            |extra: &str| parse(&GOOD.replace("points = 5", &format!("points = 5\n{extra}")));
        let r = with("compare = \"rounded\"\ndecimals = 4").unwrap();
        assert_eq!(r.tests[0].rule(), Rule::Rounded { decimals: 4 });
        let r = with("unit = \"fraction\"").unwrap();
        assert_eq!(r.tests[0].unit, Some(Unit::Fraction));
        let r = with("measure = \"accuracy\"\ncompare = \"at_least\"\nmargin = 0.02").unwrap();
        assert_eq!(
            r.tests[0].rule(),
            Rule::AtLeast(Bound::Reference { margin: 0.02 })
        );
        assert_eq!(r.tests[0].measure, Some(Measure::Accuracy));
        let r = with("measure = \"mean_squared_error\"\ncompare = \"at_most\"\nthreshold = 1e-5")
            .unwrap();
        assert_eq!(r.tests[0].rule(), Rule::AtMost(Bound::Fixed(1e-5)));
        for (extra, named) in [
            (
                "compare = \"rounded\"",
                "tests[0] (f).decimals: compare = \"rounded\" needs it",
            ),
            (
                "decimals = 4",
                "tests[0] (f).decimals: only for compare = \"rounded\"",
            ),
            (
                "compare = \"exact\"\nmargin = 1",
                "tests[0] (f).margin: only for",
            ),
            (
                "measure = \"accuracy\"\ncompare = \"at_most\"\nmargin = -1",
                "tests[0] (f).margin: must be a finite number ≥ 0",
            ),
            (
                "measure = \"accuracy\"\ncompare = \"at_least\"\nmargin = 1\nthreshold = 2",
                "threshold and margin: give one",
            ),
            // A bound on a number the student's code reports: met by a constant.
            (
                "compare = \"at_most\"\nthreshold = 1e-7",
                "tests[0] (f).compare: \"at_most\" only bounds a measure the grader computes",
            ),
            (
                "measure = \"accuracy\"\ncompare = \"exact\"",
                "tests[0] (f).measure: only with compare",
            ),
            (
                "measure = \"accuracy\"\nunit = \"fraction\"",
                "tests[0] (f).unit: only for a number the answer gives",
            ),
            ("unit = \"per_mille\"", "per_mille"),
            ("measure = \"loss\"", "loss"),
            ("compare = \"roughly\"", "roughly"),
        ] {
            let err = with(extra).unwrap_err();
            assert!(err.contains(named), "{extra}: {err}");
        }
    }

    #[test]
    fn a_bad_visibility_is_refused() {
        let err =
            parse(&GOOD.replace("points = 5", "points = 5\nvisibility = \"secret\"")).unwrap_err();
        assert!(err.contains("secret"), "{err}");
    }
}
