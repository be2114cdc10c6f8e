//! The provided modules stay the provided ones. The grader restores every
//! handout file but the student's, and the adapter reaches provided code
//! through its module (`lab::network::train_classifier`), never through the
//! student's re-exports. That holds only if the student's file declares each
//! provided module as the handout does (`mod network;`) and binds nothing
//! else to its name: a body of its own (`mod network { ... }`), a `#[path]`,
//! `use mine as network` or `extern crate self as network` would put the
//! student's code in its place. And a `macro_rules!` named like a macro the
//! provided code invokes (`vec!`), at any depth, would change what that code
//! does (macros defined earlier in a file are in scope in the modules it
//! declares after them), as would one that defines macros itself.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::BTreeSet;

/// A provided module of the student's crate: its name, and the macros its
/// code invokes.
pub struct Provided {
    pub module: String,
    pub file: String,
    pub macros: BTreeSet<String>,
    /// The handout's student file declares it: the student's must too.
    pub declared: bool,
}

impl Provided {
    /// The provided module stored at `dest` (a handout path) with `text`,
    /// when it is a module of the student's file (`src/network.rs` beside
    /// `src/lib.rs`). `handout` is the handout's student file, whose
    /// declarations the student's must keep.
    pub fn of(dest: &str, student_file: &str, text: &str, handout: &str) -> Option<Provided> {
        let (dir, file) = dest.rsplit_once('/').unwrap_or(("", dest));
        let student_dir = student_file.rsplit_once('/').map_or("", |(d, _)| d);
        let module = file.strip_suffix(".rs")?;
        let declared = syn::parse_file(handout).is_ok_and(|f| {
            f.items
                .iter()
                .any(|i| matches!(i, syn::Item::Mod(m) if m.ident == module))
        });
        let provided = (dir == student_dir && dest != student_file).then(|| Provided {
            module: module.to_string(),
            file: dest.to_string(),
            macros: invoked_macros(text),
            declared,
        });
        proc_macro2::extra::invalidate_current_thread_spans();
        provided
    }
}

/// Why the student's file `source` cannot be graded with the `provided`
/// modules, if it cannot ("it does not declare ..."). A file that does not
/// parse is left to the compiler, whose message says more.
pub fn check(source: &str, provided: &[Provided]) -> Result<(), String> {
    let Ok(file) = syn::parse_file(source) else {
        return Ok(());
    };
    let result =
        check_names(&file.items, provided).and_then(|()| check_macros(&file.items, provided));
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// Each provided module declared as the handout does, and nothing else at
/// the crate root by its name.
fn check_names(items: &[syn::Item], provided: &[Provided]) -> Result<(), String> {
    for p in provided {
        let name = &p.module;
        let keep = format!("keep the handout's `pub mod {name};`");
        let declared = items
            .iter()
            .any(|i| matches!(i, syn::Item::Mod(m) if m.ident == *name));
        if p.declared && !declared {
            return Err(format!(
                "it does not declare the provided module `{name}` ({}): {keep}",
                p.file
            ));
        }
        for item in items {
            let own = match item {
                syn::Item::Mod(m) if m.ident == *name => {
                    if m.attrs.iter().any(|a| a.path().is_ident("path")) {
                        Some("a `mod` with a #[path] of its own")
                    } else if m.content.is_some() {
                        Some("a `mod` with a body of its own")
                    } else {
                        None
                    }
                }
                syn::Item::Use(u) if binds(&u.tree, name, None) => Some("a `use`"),
                syn::Item::ExternCrate(e)
                    if e.rename.as_ref().map_or(&e.ident, |(_, r)| r) == name =>
                {
                    Some("an `extern crate`")
                }
                _ => None,
            };
            if let Some(how) = own {
                return Err(format!(
                    "it gives the name `{name}` to {how}, but {} is provided \
                     (the grader uses the handout's): {keep} and nothing else by that name",
                    p.file
                ));
            }
        }
    }
    Ok(())
}

/// No `macro_rules!`, at any depth of inline modules, named like a macro
/// the provided code invokes, nor one that defines macros itself.
fn check_macros(items: &[syn::Item], provided: &[Provided]) -> Result<(), String> {
    for item in items {
        match item {
            syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                let Some(name) = &m.ident else { continue };
                if let Some(p) = provided
                    .iter()
                    .find(|p| p.macros.contains(&name.to_string()))
                {
                    return Err(format!(
                        "it defines a macro `{name}!`, which would replace the \
                         `{name}!` the provided {} uses: give your macro another name",
                        p.file
                    ));
                }
                let mut inner = BTreeSet::new();
                collect(m.mac.tokens.clone(), &mut inner);
                if inner.contains("macro_rules") {
                    return Err(format!(
                        "it defines a macro `{name}!` that defines macros, \
                         which could replace those the provided code uses: write the macros it \
                         would define yourself"
                    ));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    check_macros(inner, provided)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether `tree` binds `name` (`use a::name`, `use a as name`,
/// `use name::{self}`); `parent` is the segment before a group.
fn binds(tree: &syn::UseTree, name: &str, parent: Option<&syn::Ident>) -> bool {
    match tree {
        syn::UseTree::Path(p) => binds(&p.tree, name, Some(&p.ident)),
        syn::UseTree::Name(n) if n.ident == "self" => parent.is_some_and(|p| p == name),
        syn::UseTree::Name(n) => n.ident == name,
        syn::UseTree::Rename(r) => r.rename == name,
        syn::UseTree::Group(g) => g.items.iter().any(|t| binds(t, name, parent)),
        syn::UseTree::Glob(_) => false,
    }
}

/// The names of the macros `text` invokes (`vec` for `vec![..]`).
fn invoked_macros(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if let Ok(tokens) = text.parse::<TokenStream>() {
        collect(tokens, &mut names);
    }
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
            "pub mod network;\npub fn g() { todo!() }",
        )
        .unwrap()]
    }

    #[test]
    fn the_handouts_declaration_passes() {
        for ok in [
            "pub mod network;\npub fn g() {}",
            "mod network;",
            "#[allow(dead_code)]\nmod network;\nuse network::f as network_f;",
            // Not a provided module.
            "mod network;\nmod helpers { pub fn h() {} }",
            "mod network;\nmacro_rules! square { ($x:expr) => { $x * $x }; }",
        ] {
            assert_eq!(check(ok, &network()), Ok(()), "{ok}");
        }
    }

    #[test]
    fn a_provided_module_replaced_is_refused() {
        for (bad, said) in [
            ("mod network { pub fn f() {} }", "a `mod` with a body of its own"),
            ("#[path = \"mine.rs\"]\npub mod network;", "a `mod` with a #[path] of its own"),
            ("pub mod mine { pub fn f() {} }\npub use mine as network;", "does not declare"),
            ("pub mod network;\nmod mine {}\npub use mine as network;", "to a `use`"),
            ("pub mod network;\nextern crate self as network;", "to an `extern crate`"),
            ("pub mod network;\nuse a::b::network;", "to a `use`"),
            ("mod network;\nmacro_rules! vec { ($($x:tt)*) => { Vec::new() }; }", "a macro `vec!`"),
            (
                "#[macro_use] mod sneaky { macro_rules! assert { ($($t:tt)*) => {}; } }\nmod network;",
                "a macro `assert!`",
            ),
        ] {
            let err = check(bad, &network()).unwrap_err();
            assert!(err.contains(said), "{bad}: {err}");
            assert!(err.contains("src/network.rs"), "{err}");
        }
        let err = check(
            "macro_rules! make { () => { macro_rules! other { () => {} } }; }\nmod network;",
            &network(),
        )
        .unwrap_err();
        assert!(err.contains("defines macros"), "{err}");
    }

    #[test]
    fn only_modules_beside_the_students_file_are_its_modules() {
        assert!(Provided::of("src/rng.rs", "src/lib.rs", "", "").is_some());
        assert!(Provided::of("src/lib.rs", "src/lib.rs", "", "").is_none());
        assert!(Provided::of("Cargo.toml", "src/lib.rs", "", "").is_none());
        assert!(Provided::of("src/bin/x.rs", "src/lib.rs", "", "").is_none());
    }
}
