//! The registry of labs the reference knows: one entry per lab, each a
//! reference solution, its adapter and the cases its fixtures are made from.
//! Adding a lab means adding a module here and a folder under `reference/labs/`.

use crate::wire::Call;
use serde_json::Value;

pub mod cs240;
pub mod lab3;
pub mod modular;
pub mod mse2;
pub mod twolayernet;

/// One fixture case before its expected outputs are computed.
pub struct CaseSpec {
    /// File stem under `fixtures/<lab>/`, and the name the rubric uses.
    pub id: String,
    pub description: String,
    /// Where the explicit inputs came from (seeds, sizes), for people re-deriving them.
    pub origin: Value,
    pub inputs: Value,
    /// The items this case is for; every item of the lab when `None` (a
    /// case of written questions holds only the written answers' item).
    pub items: Option<&'static [&'static str]>,
    /// What the grader measures outputs against (`{item: {output: value}}`:
    /// held-out labels, originals to reconstruct); never among the inputs,
    /// so the probe never sees it. `Value::Null` when the case has none.
    pub truth: Value,
}

/// What the reference knows of one lab.
pub struct LabReference {
    pub name: &'static str,
    /// The graded items, in rubric order.
    pub items: &'static [&'static str],
    /// The adapter over the reference solution.
    pub call: Call,
    pub cases: fn() -> Vec<CaseSpec>,
}

pub const LABS: &[LabReference] = &[
    cs240::LAB,
    mse2::LAB,
    twolayernet::LAB,
    modular::LAB,
    lab3::LAB,
];

pub fn find(name: &str) -> Option<&'static LabReference> {
    LABS.iter().find(|lab| lab.name == name)
}
