//! Variants of a student's file for isolated credit (`grading/isolate.rs`):
//! the same file with some graded functions replaced by the reference's.
//!
//! The student's definitions are found by parsing (`syn`, with
//! `proc-macro2`'s line and column spans) and blanked out in place: every
//! character but line breaks becomes a space, so the student's line and
//! column numbers stay right in compiler messages and panics. The reference's
//! definitions are appended after the student's last line, in a module of
//! their own that sees everything of the student's crate root (`use
//! super::*`) and the reference's own imports of the lab's dependencies;
//! free functions are re-exported at the crate root, methods go in an
//! inherent `impl Type { ... }` block (allowed anywhere in the crate).

use quote::ToTokens;
use std::collections::BTreeMap;
use std::ops::Range;
use syn::spanned::Spanned;

/// The module holding the reference's functions in a variant.
pub const REFERENCE_MODULE: &str = "__grade_reference";

/// One function definition of a source file: a free function at the crate
/// root (`name`) or a method of an inherent impl (`Type::name`).
#[derive(Debug, Clone)]
pub struct Definition {
    /// `name` or `Type::name`.
    pub path: String,
    /// Bytes of the whole definition, its attributes and doc comments included.
    pub range: Range<usize>,
    /// The signature and body as tokens, without attributes or comments: two
    /// definitions with the same tokens are the same code.
    pub tokens: String,
}

/// A parsed source file: its text, its function definitions, and its `use`
/// items (as written, for the reference's module).
#[derive(Debug, Clone)]
pub struct Source {
    pub text: String,
    pub definitions: Vec<Definition>,
    /// Each top-level `use` item: the first segment of its path, and the item
    /// made private (`use TREE;`).
    uses: Vec<(String, String)>,
}

impl Source {
    /// Parses `text`; a file that is not valid Rust is an error (its
    /// compiler message says more than ours would).
    pub fn parse(text: &str) -> Result<Source, String> {
        let file = syn::parse_file(text).map_err(|e| e.to_string());
        let result = file.map(|file| {
            let starts = line_starts(text);
            let range = |span: proc_macro2::Span| {
                offset(text, &starts, span.start())..offset(text, &starts, span.end())
            };
            let mut definitions = Vec::new();
            let mut uses = Vec::new();
            for item in &file.items {
                match item {
                    syn::Item::Fn(f) => definitions.push(Definition {
                        path: f.sig.ident.to_string(),
                        range: range(f.span()),
                        tokens: format!(
                            "{} {}",
                            f.sig.to_token_stream(),
                            f.block.to_token_stream()
                        ),
                    }),
                    syn::Item::Impl(imp) if imp.trait_.is_none() => {
                        let syn::Type::Path(ty) = &*imp.self_ty else {
                            continue;
                        };
                        let Some(ty) = ty.path.segments.last() else {
                            continue;
                        };
                        for inner in &imp.items {
                            if let syn::ImplItem::Fn(m) = inner {
                                definitions.push(Definition {
                                    path: format!("{}::{}", ty.ident, m.sig.ident),
                                    range: range(m.span()),
                                    tokens: format!(
                                        "{} {}",
                                        m.sig.to_token_stream(),
                                        m.block.to_token_stream()
                                    ),
                                });
                            }
                        }
                    }
                    syn::Item::Use(u) => {
                        let root = match &u.tree {
                            syn::UseTree::Path(p) => p.ident.to_string(),
                            syn::UseTree::Name(n) => n.ident.to_string(),
                            syn::UseTree::Rename(r) => r.ident.to_string(),
                            _ => String::new(),
                        };
                        uses.push((root, format!("use {};", u.tree.to_token_stream())));
                    }
                    _ => {}
                }
            }
            Source {
                text: text.to_string(),
                definitions,
                uses,
            }
        });
        // Spans are kept in a per-thread map that only grows: a batch grading
        // thousands of files parses each once, and needs none of them after.
        proc_macro2::extra::invalidate_current_thread_spans();
        result
    }

    /// The definition of `path` (`name` or `Type::name`), if the file has one
    /// (the first, if several).
    pub fn get(&self, path: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.path == path)
    }

    /// Whether `path` is defined here exactly as in `other` (same tokens),
    /// and only once in each.
    pub fn same_as(&self, other: &Source, path: &str) -> bool {
        let once = |s: &Source| {
            let mut found = s.definitions.iter().filter(|d| d.path == path);
            match (found.next(), found.next()) {
                (Some(d), None) => Some(d.tokens.clone()),
                _ => None,
            }
        };
        matches!((once(self), once(other)), (Some(a), Some(b)) if a == b)
    }
}

/// `student` with every function of `replace` taken from `reference`: the
/// student's definitions (all of them, if several) blanked in place, the
/// reference's appended in [`REFERENCE_MODULE`] with the reference's `use`
/// items whose path starts with one of `crates` (the lab's dependencies;
/// `std`, `core` and `alloc` always). A function the reference lacks is an
/// error (the lab's `[items]` names a function that does not exist).
pub fn variant(
    student: &Source,
    reference: &Source,
    replace: &[String],
    crates: &[String],
) -> Result<String, String> {
    let mut text = student.text.clone().into_bytes();
    for def in &student.definitions {
        if replace.contains(&def.path) {
            for b in &mut text[def.range.clone()] {
                // Blank every byte but line breaks: multi-byte characters
                // become several spaces, which keeps lines and stays UTF-8.
                if *b != b'\n' && *b != b'\r' {
                    *b = b' ';
                }
            }
        }
    }
    let mut text = String::from_utf8(text).map_err(|e| e.to_string())?;
    let mut free = Vec::new();
    let mut methods: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for path in replace {
        let def = reference
            .get(path)
            .ok_or_else(|| format!("the reference has no function {path}"))?;
        let code = &reference.text[def.range.clone()];
        match path.split_once("::") {
            Some((ty, _)) => methods.entry(ty).or_default().push(code),
            None => free.push((path.as_str(), code)),
        }
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "\n// Added by grade for isolated credit (not part of your file): the reference's\n\
         // versions of the other graded functions.\n\
         #[allow(unused_imports, dead_code, clippy::all)]\nmod {REFERENCE_MODULE} {{\n    use super::*;\n"
    ));
    for (root, item) in &reference.uses {
        if ["std", "core", "alloc"].contains(&root.as_str()) || crates.contains(root) {
            text.push_str(&format!("    {item}\n"));
        }
    }
    for (_, code) in &free {
        text.push_str(code);
        text.push('\n');
    }
    for (ty, codes) in &methods {
        text.push_str(&format!("    impl {ty} {{\n"));
        for code in codes {
            text.push_str(code);
            text.push('\n');
        }
        text.push_str("    }\n");
    }
    text.push_str("}\n");
    for (name, _) in &free {
        text.push_str(&format!("pub use {REFERENCE_MODULE}::{name};\n"));
    }
    Ok(text)
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte offset of a span position (1-based line, 0-based column in
/// characters).
fn offset(text: &str, starts: &[usize], at: proc_macro2::LineColumn) -> usize {
    let Some(&start) = starts.get(at.line.saturating_sub(1)) else {
        return text.len();
    };
    text[start..]
        .char_indices()
        .nth(at.column)
        .map_or(text.len(), |(i, _)| start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = r#"use ndarray::Array2;
pub use network::Net;
mod network;

/// Doc.
pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
}

impl Net {
    pub fn forward(&self, x: &Array2<f64>) -> Array2<f64> {
        sigmoid(x)
    }
}
"#;

    const STUDENT: &str = r#"use ndarray::Array2;
pub use network::Net;
mod network;

/// Mine: wrong. « é »
pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    z.mapv(|v| 2.0 / (1.0 + (-v).exp()))
}

impl Net {
    pub fn forward(&self, x: &Array2<f64>) -> Array2<f64> {
        sigmoid(x)
    }
    fn helper(&self) {}
}
"#;

    #[test]
    fn definitions_are_found_with_their_doc_comments() {
        let s = Source::parse(STUDENT).unwrap();
        let paths: Vec<&str> = s.definitions.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["sigmoid", "Net::forward", "Net::helper"]);
        let sig = &STUDENT[s.get("sigmoid").unwrap().range.clone()];
        assert!(sig.starts_with("/// Mine"), "{sig}");
        assert!(sig.ends_with("exp()))\n}"), "{sig}");
        let fwd = &STUDENT[s.get("Net::forward").unwrap().range.clone()];
        assert!(fwd.starts_with("pub fn forward"), "{fwd}");
        assert!(fwd.ends_with("sigmoid(x)\n    }"), "{fwd}");
    }

    #[test]
    fn same_code_is_told_from_different_code_whatever_the_comments() {
        let s = Source::parse(STUDENT).unwrap();
        let r = Source::parse(REFERENCE).unwrap();
        assert!(!s.same_as(&r, "sigmoid"));
        assert!(s.same_as(&r, "Net::forward"));
        let reformatted =
            Source::parse(&STUDENT.replace("sigmoid(x)\n", "// c\n   sigmoid( x )\n")).unwrap();
        assert!(reformatted.same_as(&r, "Net::forward"));
        assert!(!s.same_as(&r, "Net::helper"), "absent from the reference");
    }

    #[test]
    fn a_variant_keeps_every_line_and_swaps_in_the_reference() {
        let s = Source::parse(STUDENT).unwrap();
        let r = Source::parse(REFERENCE).unwrap();
        let v = variant(
            &s,
            &r,
            &["sigmoid".into(), "Net::forward".into()],
            &["ndarray".into()],
        )
        .unwrap();
        let student_lines: Vec<&str> = STUDENT.lines().collect();
        let lines: Vec<&str> = v.lines().collect();
        // The student's untouched lines are where they were.
        for (i, l) in student_lines.iter().enumerate() {
            if l.contains("fn helper") || l.starts_with("use ") || l.starts_with("impl") {
                assert_eq!(lines[i], *l);
            }
        }
        // The replaced ones are blank, as long as the student's file.
        for (i, l) in lines.iter().enumerate().take(8).skip(4) {
            assert!(l.trim().is_empty(), "{i}: {l:?}");
        }
        assert!(!v.contains("2.0 /"), "{v}");
        assert!(!v.contains("Mine"), "{v}");
        let appended = &v[v.find("mod __grade_reference").unwrap()..];
        assert!(appended.contains("use super::*;"), "{appended}");
        assert!(appended.contains("use ndarray :: Array2;"), "{appended}");
        assert!(!appended.contains("network"), "{appended}");
        assert!(appended.contains("1.0 / (1.0"), "{appended}");
        assert!(appended.contains("impl Net {"), "{appended}");
        assert!(v.ends_with("pub use __grade_reference::sigmoid;\n"), "{v}");
        // The result parses, with the student's helper and the reference's
        // functions, each defined once.
        let again = Source::parse(&v).unwrap();
        let paths: Vec<&str> = again.definitions.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            ["Net::helper"],
            "root items only: the module is not searched"
        );
    }

    #[test]
    fn a_function_the_reference_lacks_is_an_error() {
        let s = Source::parse(STUDENT).unwrap();
        let r = Source::parse(REFERENCE).unwrap();
        let err = variant(&s, &r, &["Net::helper".into()], &[]).unwrap_err();
        assert!(err.contains("Net::helper"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_rust_is_an_error() {
        assert!(Source::parse("pub fn (").is_err());
    }
}
