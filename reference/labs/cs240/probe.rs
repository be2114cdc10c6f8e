//! The CS240 probe: `probe ITEM < inputs.json`, answering on the grader's
//! descriptor. Built by the grader against the student's crate.

use cs240_lab as lab;

mod adapter;
mod wire;

fn main() {
    wire::serve(adapter::call)
}
