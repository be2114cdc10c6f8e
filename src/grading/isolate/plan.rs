//! Isolated credit's decisions for one submission, apart from any build or
//! run: which failures are their own, which variants to build in what order,
//! and which results count under the rule (`isolate/mod.rs`).

use super::Isolation;
use crate::build::variant::Source;
use std::collections::{BTreeMap, BTreeSet};

/// Where a failing item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// Its failure is its own: nothing it depends on fails, or it still
    /// fails with everything it depends on that fails swapped, or it is a stub.
    Own,
    /// It passed with the failing functions it depends on swapped (all of
    /// them failing on their own): credited.
    Cleared,
    /// Not known yet.
    Undecided,
}

/// Which kind of variant a [`Variant`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Swaps functions known to fail on their own: credit holds.
    Round,
    /// Swaps every failing dependency of one item (circles): credit holds
    /// only if each of them fails on its own.
    Circle,
    /// An API misfit: the blamed functions and their callers.
    Misfit,
}

/// One variant to build: the functions taken from the reference, and the
/// items graded on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub replaced: Vec<String>,
    pub items: Vec<String>,
    pub phase: Phase,
}

/// The decisions of isolated credit for one submission (pure: the builds
/// and runs are [`Grader::isolate`]'s).
pub struct Plan<'a> {
    iso: &'a Isolation,
    /// Failing item -> the failing graded functions it depends on that are
    /// not the reference's exactly (its own excluded).
    deps: BTreeMap<String, BTreeSet<String>>,
    state: BTreeMap<String, State>,
    /// Functions known to fail on their own (unlike the reference's).
    faulty: BTreeSet<String>,
    /// Item -> the faulty dependencies it was last graded with.
    tried: BTreeMap<String, BTreeSet<String>>,
    /// Item -> whether it passed on its circle variant (`None` while that
    /// variant is planned but not graded: never built, it proves nothing).
    circle: BTreeMap<String, Option<bool>>,
}

impl<'a> Plan<'a> {
    /// The plan for `student`, whose items `failing` failed as written;
    /// `reach` is what each item reaches (`Calls::reach`).
    pub fn new(
        iso: &'a Isolation,
        student: &Source,
        failing: &BTreeSet<String>,
        reach: &BTreeMap<String, Option<BTreeSet<String>>>,
    ) -> Plan<'a> {
        let differs = |f: &String| !student.same_as(&iso.reference, f);
        let fails = |f: &String| iso.items_of(f).iter().any(|i| failing.contains(*i));
        let mut deps = BTreeMap::new();
        let mut state = BTreeMap::new();
        for item in failing {
            let own = iso.own(item);
            let reached: Vec<&String> = match reach.get(item).cloned().flatten() {
                Some(set) => iso.functions.iter().filter(|f| set.contains(*f)).collect(),
                None => iso.functions.iter().collect(),
            };
            let d: BTreeSet<String> = reached
                .into_iter()
                .filter(|f| !own.contains(f) && differs(f) && fails(f))
                .cloned()
                .collect();
            let stub = own.iter().any(|f| iso.is_stub(student, f));
            state.insert(
                item.clone(),
                if stub || d.is_empty() {
                    State::Own
                } else {
                    State::Undecided
                },
            );
            deps.insert(item.clone(), d);
        }
        let mut plan = Plan {
            iso,
            deps,
            state,
            faulty: BTreeSet::new(),
            tried: BTreeMap::new(),
            circle: BTreeMap::new(),
        };
        let own: Vec<String> = plan.items_in(State::Own);
        for item in own {
            plan.mark_faulty(&item, student);
        }
        plan
    }

    /// The failing items that stand at `wanted`.
    pub(super) fn items_in(&self, wanted: State) -> Vec<String> {
        self.state
            .iter()
            .filter(|(_, s)| **s == wanted)
            .map(|(i, _)| i.clone())
            .collect()
    }

    fn mark_faulty(&mut self, item: &str, student: &Source) {
        for f in self.iso.own(item) {
            if !student.same_as(&self.iso.reference, f) {
                self.faulty.insert(f.clone());
            }
        }
    }

    /// The next variant to build, or `None` when every item is decided or
    /// has been graded on its circle variant.
    pub fn next_variant(&mut self) -> Option<Variant> {
        let ordered = |set: &BTreeSet<String>| -> Vec<String> {
            self.iso
                .functions
                .iter()
                .filter(|f| set.contains(*f))
                .cloned()
                .collect()
        };
        // A round: every undecided item with faulty dependencies it was not
        // yet graded with, on one variant with the faulty functions swapped.
        let candidates: Vec<String> = self
            .items_in(State::Undecided)
            .into_iter()
            .filter(|i| {
                let known: BTreeSet<String> =
                    self.deps[i].intersection(&self.faulty).cloned().collect();
                !known.is_empty() && self.tried.get(i) != Some(&known)
            })
            .collect();
        if !candidates.is_empty() {
            let theirs: BTreeSet<&String> = candidates
                .iter()
                .flat_map(|i| self.iso.own(i).iter())
                .collect();
            let swap: BTreeSet<String> = self
                .faulty
                .iter()
                .filter(|f| !theirs.contains(f))
                .cloned()
                .collect();
            for i in &candidates {
                let known = self.deps[i].intersection(&self.faulty).cloned().collect();
                self.tried.insert(i.clone(), known);
            }
            return Some(Variant {
                replaced: ordered(&swap),
                items: candidates,
                phase: Phase::Round,
            });
        }
        // Circles: the undecided items not yet graded on their own variant,
        // the first group (items sharing a swap set share a variant).
        let left: Vec<String> = self
            .items_in(State::Undecided)
            .into_iter()
            .filter(|i| !self.circle.contains_key(i))
            .collect();
        let swap_of = |i: &String| -> BTreeSet<String> {
            self.deps[i]
                .union(&self.faulty)
                .filter(|f| !self.iso.own(i).contains(f))
                .cloned()
                .collect()
        };
        let first = left.first()?;
        let swap = swap_of(first);
        let items: Vec<String> = left
            .iter()
            .filter(|i| swap_of(i) == swap)
            .cloned()
            .collect();
        for i in &items {
            self.circle.insert(i.clone(), None);
        }
        Some(Variant {
            replaced: ordered(&swap),
            items,
            phase: Phase::Circle,
        })
    }

    /// What grading `item` on `variant` gave: whether all its failed tests
    /// passed there.
    pub fn record(&mut self, variant: &Variant, item: &str, passed: bool, student: &Source) {
        match variant.phase {
            Phase::Round => {
                if passed {
                    self.state.insert(item.to_string(), State::Cleared);
                    return;
                }
                let iso = self.iso;
                let cleared: BTreeSet<&String> = self
                    .items_in(State::Cleared)
                    .iter()
                    .flat_map(|i| iso.own(i))
                    .collect();
                // Still failing with every failing dependency swapped (or
                // cleared): the failure is its own.
                let explained = self.deps[item]
                    .iter()
                    .all(|f| variant.replaced.contains(f) || cleared.contains(f));
                if explained {
                    self.state.insert(item.to_string(), State::Own);
                    self.mark_faulty(item, student);
                }
            }
            Phase::Circle => {
                self.circle.insert(item.to_string(), Some(passed));
            }
            Phase::Misfit => {}
        }
    }

    /// Whether a test of `item` graded on `variant` may count: every failing
    /// dependency of `item` swapped there fails on its own. Round variants
    /// swap only such functions; on a circle variant a swapped function
    /// fails on its own when it is known to, or when an item of it still
    /// failed on its own circle variant.
    pub fn may_count(&self, variant: &Variant, item: &str) -> bool {
        if variant.phase != Phase::Circle {
            return true;
        }
        self.swapped_for(variant, item).iter().all(|f| {
            self.faulty.contains(f)
                || self
                    .iso
                    .items_of(f)
                    .iter()
                    .any(|i| self.circle.get(*i) == Some(&Some(false)))
        })
    }

    /// The functions of `variant` that `item` depends on: the ones to name.
    pub fn swapped_for(&self, variant: &Variant, item: &str) -> Vec<String> {
        variant
            .replaced
            .iter()
            .filter(|f| self.deps.get(item).is_some_and(|d| d.contains(*f)))
            .cloned()
            .collect()
    }

    /// The swapped functions of `variant` that pass their own tests on their
    /// own (why a circle variant's result does not count).
    pub fn passing_on_their_own(&self, variant: &Variant, item: &str) -> Vec<String> {
        self.swapped_for(variant, item)
            .into_iter()
            .filter(|f| {
                !self.faulty.contains(f)
                    && !self
                        .iso
                        .items_of(f)
                        .iter()
                        .any(|i| self.circle.get(*i) == Some(&Some(false)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grading::calls::Calls;

    const REFERENCE: &str = "pub fn a() -> f64 { 1.0 }\n\
        pub fn b() -> f64 { a() + 1.0 }\n\
        impl T { pub fn c(&self) -> f64 { b() * 2.0 } }\n";

    const HANDOUT: &str = "pub fn a() -> f64 { todo!() }\n\
        pub fn b() -> f64 { todo!() }\n\
        impl T { pub fn c(&self) -> f64 { todo!() } }\n";

    const ADAPTER: &str = r#"pub fn call(item: &str) -> f64 {
        match item { "a" => a(), "b" => b(), "c" => T.c(), _ => 0.0 }
    }"#;

    fn isolation() -> Isolation {
        let items: BTreeMap<String, Vec<String>> = [("a", "a"), ("b", "b"), ("c", "T::c")]
            .iter()
            .map(|(i, f)| (i.to_string(), vec![f.to_string()]))
            .collect();
        Isolation {
            items,
            functions: vec!["a".into(), "b".into(), "T::c".into()],
            reference: Source::parse(REFERENCE).unwrap(),
            handout: Source::parse(HANDOUT).unwrap(),
            crates: vec![],
            calls: Calls::new(&[], ADAPTER),
            adapter: ("adapter.rs".into(), ADAPTER.into()),
        }
    }

    /// The variants a plan asks for, with `outcome(variant, item)` saying
    /// whether the item passed on it; and which items' results count.
    fn play(
        iso: &Isolation,
        student: &str,
        failing: &[&str],
        outcome: impl Fn(&Variant, &str) -> bool,
    ) -> (Vec<Variant>, Vec<String>) {
        let source = Source::parse(student).unwrap();
        let failing: BTreeSet<String> = failing.iter().map(|s| s.to_string()).collect();
        let reach = iso.calls.reach(student, &iso.items, &iso.functions);
        let mut plan = Plan::new(iso, &source, &failing, &reach);
        let mut variants = Vec::new();
        let mut passed = Vec::new();
        while let Some(v) = plan.next_variant() {
            for item in v.items.clone() {
                let ok = outcome(&v, &item);
                plan.record(&v, &item, ok, &source);
                if ok {
                    passed.push((v.clone(), item));
                }
            }
            variants.push(v);
        }
        let counted = passed
            .into_iter()
            .filter(|(v, item)| plan.may_count(v, item))
            .map(|(_, item)| item)
            .collect();
        (variants, counted)
    }

    #[test]
    fn a_cascade_is_one_variant_and_counts() {
        let iso = isolation();
        // a is wrong; b and c call it and are right.
        let student = REFERENCE
            .replace("{ 1.0 }", "{ 2.0 }")
            .replace("b() * 2.0", "2.0 * b()");
        let (variants, counted) = play(&iso, &student, &["a", "b", "c"], |v, _| {
            v.replaced.contains(&"a".to_string())
        });
        assert_eq!(
            variants,
            vec![Variant {
                replaced: vec!["a".into()],
                items: vec!["b".into(), "c".into()],
                phase: Phase::Round
            }]
        );
        assert_eq!(counted, ["b", "c"]);
    }

    #[test]
    fn a_chain_of_three_wrong_takes_two_rounds() {
        let iso = isolation();
        // a and b both wrong, c right: b fails on the first round (a
        // swapped), so it is wrong on its own; c passes on the second.
        let student = REFERENCE
            .replace("{ 1.0 }", "{ 2.0 }")
            .replace("a() + 1.0", "a() - 1.0")
            .replace("b() * 2.0", "2.0 * b()");
        let (variants, counted) = play(&iso, &student, &["a", "b", "c"], |v, item| {
            let has = |f: &str| v.replaced.contains(&f.to_string());
            match item {
                "b" => false,
                _ => has("a") && has("b"),
            }
        });
        assert_eq!(variants.len(), 2, "{variants:?}");
        assert_eq!(variants[0].replaced, ["a"]);
        assert_eq!(variants[1].replaced, ["a", "b"]);
        assert_eq!(variants[1].items, ["c"]);
        assert_eq!(counted, ["c"]);
    }

    #[test]
    fn a_circle_earns_nothing() {
        let iso = isolation();
        // a calls b and b calls a: each passes with the other swapped.
        let student = "pub fn a() -> f64 { b() - 1.0 }\npub fn b() -> f64 { 1.0 + a() }\n\
            impl T { pub fn c(&self) -> f64 { b() * 2.0 } }\n";
        let (variants, counted) = play(&iso, student, &["a", "b", "c"], |_, _| true);
        assert!(
            variants.iter().all(|v| v.phase == Phase::Circle),
            "{variants:?}"
        );
        assert_eq!(variants.len(), 3, "{variants:?}");
        assert!(counted.is_empty(), "{counted:?}");
    }

    #[test]
    fn a_circle_variant_never_built_proves_nothing() {
        let iso = isolation();
        let student = "pub fn a() -> f64 { b() - 1.0 }\npub fn b() -> f64 { 1.0 + a() }\n\
            impl T { pub fn c(&self) -> f64 { b() * 2.0 } }\n";
        let source = Source::parse(student).unwrap();
        let failing: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
        let reach = iso.calls.reach(student, &iso.items, &iso.functions);
        let mut plan = Plan::new(&iso, &source, &failing, &reach);
        // Two variants are built (each passes), the third is only planned.
        let built: Vec<Variant> = (0..2).map(|_| plan.next_variant().unwrap()).collect();
        for v in &built {
            for item in &v.items {
                plan.record(v, item, true, &source);
            }
        }
        let unbuilt = plan.next_variant().unwrap();
        assert!(!unbuilt.items.is_empty());
        for v in &built {
            for item in &v.items {
                assert!(!plan.may_count(v, item), "{item} on {v:?}");
            }
        }
    }

    #[test]
    fn a_stub_fails_on_its_own_and_needs_no_variant() {
        let iso = isolation();
        // The handout as it came: every function fails on its own.
        let (variants, _) = play(&iso, HANDOUT, &["a", "b", "c"], |_, _| true);
        assert!(variants.is_empty(), "{variants:?}");
        // Only a left a stub: b and c are graded with the reference's a.
        let student = REFERENCE
            .replace("pub fn a() -> f64 { 1.0 }", "pub fn a() -> f64 { todo!() }")
            .replace("b() * 2.0", "2.0 * b()");
        let (variants, counted) = play(&iso, &student, &["a", "b", "c"], |_, _| true);
        assert_eq!(variants.len(), 1);
        assert_eq!(counted, ["b", "c"]);
    }

    #[test]
    fn a_failure_nothing_else_explains_builds_nothing() {
        let iso = isolation();
        // c wrong on its own; b right but written differently.
        let student = REFERENCE
            .replace("a() + 1.0", "1.0 + a()")
            .replace("b() * 2.0", "b() * 3.0");
        let (variants, _) = play(&iso, &student, &["c"], |_, _| true);
        assert!(variants.is_empty(), "{variants:?}");
    }
}
