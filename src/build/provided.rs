//! The provided modules stay the provided ones. The grader restores every
//! handout file but the student's, and the adapter reaches provided code
//! through its module (`lab::network::train_classifier`), never through the
//! student's re-exports. That holds only if the student's file declares each
//! provided module as the handout does (`mod network;`): a body of its own
//! (`mod network { ... }`) or a `#[path]` would put the student's code in its
//! place, and a `macro_rules!` named like a macro the provided code invokes
//! (`vec!`) would change what that code does (macros defined earlier in a
//! file are in scope in the modules it declares after them).

use proc_macro2::{TokenStream, TokenTree};
use std::collections::BTreeSet;

/// A provided module of the student's crate: its name, and the macros its
/// code invokes.
pub struct Provided {
    pub module: String,
    pub file: String,
    pub macros: BTreeSet<String>,
}

impl Provided {
    /// The provided module stored at `dest` (a handout path) with `text`,
    /// when it is a module of the student's file (`src/network.rs` beside
    /// `src/lib.rs`).
    pub fn of(dest: &str, student_file: &str, text: &str) -> Option<Provided> {
        let (dir, file) = dest.rsplit_once('/').unwrap_or(("", dest));
        let student_dir = student_file.rsplit_once('/').map_or("", |(d, _)| d);
        let module = file.strip_suffix(".rs")?;
        (dir == student_dir && dest != student_file).then(|| Provided {
            module: module.to_string(),
            file: dest.to_string(),
            macros: invoked_macros(text),
        })
    }
}

/// Why the student's file `source` (at `student_file`) cannot be graded with
/// the `provided` modules, if it cannot. A file that does not parse is left
/// to the compiler, whose message says more.
pub fn check(source: &str, student_file: &str, provided: &[Provided]) -> Result<(), String> {
    let Ok(file) = syn::parse_file(source) else {
        return Ok(());
    };
    let result = check_items(&file.items, student_file, provided);
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn check_items(
    items: &[syn::Item],
    student_file: &str,
    provided: &[Provided],
) -> Result<(), String> {
    for item in items {
        match item {
            syn::Item::Mod(m) => {
                let Some(p) = provided.iter().find(|p| m.ident == p.module) else {
                    continue;
                };
                let with_path = m.attrs.iter().any(|a| a.path().is_ident("path"));
                if m.content.is_some() || with_path {
                    return Err(format!(
                        "your {student_file} declares `mod {name}` {how}, but {file} is provided \
                         (the grader uses the handout's): keep the handout's `pub mod {name};`",
                        name = p.module,
                        file = p.file,
                        how = if with_path {
                            "with a #[path] of its own"
                        } else {
                            "with a body of its own"
                        },
                    ));
                }
            }
            syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                let Some(name) = &m.ident else { continue };
                if let Some(p) = provided
                    .iter()
                    .find(|p| p.macros.contains(&name.to_string()))
                {
                    return Err(format!(
                        "your {student_file} defines a macro `{name}!`, which would replace the \
                         `{name}!` the provided {} uses: give your macro another name",
                        p.file
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The names of the macros `text` invokes (`vec` for `vec![..]`).
fn invoked_macros(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if let Ok(tokens) = text.parse::<TokenStream>() {
        collect(tokens, &mut names);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    names
}

fn collect(tokens: TokenStream, names: &mut BTreeSet<String>) {
    let mut previous: Option<String> = None;
    for tree in tokens {
        match tree {
            TokenTree::Group(g) => {
                collect(g.stream(), names);
                previous = None;
            }
            TokenTree::Ident(i) => previous = Some(i.to_string()),
            TokenTree::Punct(p) if p.as_char() == '!' => {
                if let Some(name) = previous.take() {
                    names.insert(name);
                }
            }
            _ => previous = None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> Vec<Provided> {
        vec![Provided::of(
            "src/network.rs",
            "src/lib.rs",
            "pub fn f() -> Vec<u8> { let v = vec![1]; assert!(v.len() == 1); v }",
        )
        .unwrap()]
    }

    #[test]
    fn the_handouts_declaration_passes() {
        for ok in [
            "pub mod network;\npub fn g() {}",
            "mod network;",
            "#[allow(dead_code)]\nmod network;",
            // Not a provided module.
            "mod helpers { pub fn h() {} }",
            "macro_rules! square { ($x:expr) => { $x * $x }; }",
        ] {
            assert_eq!(check(ok, "src/lib.rs", &network()), Ok(()), "{ok}");
        }
    }

    #[test]
    fn a_provided_module_replaced_is_refused() {
        for (bad, said) in [
            ("mod network { pub fn f() {} }", "with a body of its own"),
            (
                "#[path = \"mine.rs\"]\npub mod network;",
                "with a #[path] of its own",
            ),
            (
                "macro_rules! vec { ($($x:tt)*) => { Vec::new() }; }",
                "a macro `vec!`",
            ),
        ] {
            let err = check(bad, "src/lib.rs", &network()).unwrap_err();
            assert!(err.contains(said), "{bad}: {err}");
            assert!(err.contains("src/network.rs"), "{err}");
        }
    }

    #[test]
    fn only_modules_beside_the_students_file_are_its_modules() {
        assert!(Provided::of("src/rng.rs", "src/lib.rs", "").is_some());
        assert!(Provided::of("src/lib.rs", "src/lib.rs", "").is_none());
        assert!(Provided::of("Cargo.toml", "src/lib.rs", "").is_none());
        assert!(Provided::of("src/bin/x.rs", "src/lib.rs", "").is_none());
    }
}
