//! Which graded functions each graded item depends on: the functions its
//! adapter arm calls, and every function those call in turn, through the
//! student's file, the provided files and the adapter's own helpers.
//! Isolated credit (`isolate.rs`) asks it which failures can explain an
//! item's failure: a function the item never reaches cannot.
//!
//! Calls are found by name, without type information: a body that names
//! `forward` may call any function or method called `forward` (a path such
//! as `Linear::forward` narrows it to that type's). So the answer may hold a
//! function the item does not really call (it then costs a variant build,
//! never a wrong score: credit also needs the swapped function to fail on
//! its own), and never misses one that it does call by name.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A function of a source file and the names its body mentions.
#[derive(Debug, Clone)]
struct Node {
    /// `name`, or `Type::name` for a method (of any impl).
    path: String,
    /// The names the body and signature mention, each with the type (or
    /// module) written before it (`Linear::forward` → `("Linear", "forward")`).
    mentions: BTreeSet<(Option<String>, String)>,
}

impl Node {
    fn name(&self) -> &str {
        self.path.rsplit("::").next().unwrap_or(&self.path)
    }
}

/// The lab's fixed code (provided files and the adapter), read once.
#[derive(Debug, Clone, Default)]
pub struct Calls {
    fixed: Vec<Node>,
    /// Item -> what its adapter arm mentions; an item whose arm was not found
    /// depends on everything.
    arms: BTreeMap<String, BTreeSet<(Option<String>, String)>>,
}

impl Calls {
    /// From the provided files' texts and the adapter's (the first probe
    /// module): every function of each, and the adapter's `"item" => ...`
    /// arms.
    pub fn new(provided: &[String], adapter: &str) -> Calls {
        let mut fixed = Vec::new();
        for text in provided.iter().map(String::as_str).chain([adapter]) {
            fixed.extend(nodes(text));
        }
        let arms = arms(adapter);
        proc_macro2::extra::invalidate_current_thread_spans();
        Calls { fixed, arms }
    }

    /// For the student's file `student`: the graded functions (of
    /// `graded`, as `name` or `Type::name`) each item reaches, its own among
    /// them; `None` for an item whose reach is unknown (it may reach any).
    pub fn reach(
        &self,
        student: &str,
        items: &BTreeMap<String, Vec<String>>,
        graded: &[String],
    ) -> BTreeMap<String, Option<BTreeSet<String>>> {
        let theirs = nodes(student);
        proc_macro2::extra::invalidate_current_thread_spans();
        let all: Vec<(&Node, bool)> = theirs
            .iter()
            .map(|n| (n, true))
            .chain(self.fixed.iter().map(|n| (n, false)))
            .collect();
        items
            .keys()
            .map(|item| {
                let reached = self.arms.get(item).map(|start| {
                    let mut found = BTreeSet::new();
                    let mut seen = vec![false; all.len()];
                    let mut queue: VecDeque<&(Option<String>, String)> = start.iter().collect();
                    while let Some((qualifier, name)) = queue.pop_front() {
                        for (k, (node, in_student)) in all.iter().enumerate() {
                            if seen[k] || !refers_to(qualifier.as_deref(), name, node, &all) {
                                continue;
                            }
                            seen[k] = true;
                            if *in_student && graded.contains(&node.path) {
                                found.insert(node.path.clone());
                            }
                            queue.extend(node.mentions.iter());
                        }
                    }
                    found
                });
                (item.clone(), reached)
            })
            .collect()
    }
}

/// Whether a mention of `qualifier::name` may call `node`: any function of
/// that name, unless the qualifier is a type with such a method (then only
/// that type's).
fn refers_to(qualifier: Option<&str>, name: &str, node: &Node, all: &[(&Node, bool)]) -> bool {
    if node.name() != name {
        return false;
    }
    match qualifier {
        Some(q) if all.iter().any(|(n, _)| n.path == format!("{q}::{name}")) => {
            node.path == format!("{q}::{name}")
        }
        _ => true,
    }
}

/// Every function of `text` (free functions and methods, at any depth of
/// modules and impls), or none when it does not parse.
fn nodes(text: &str) -> Vec<Node> {
    let Ok(file) = syn::parse_file(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_items(&file.items, &mut out);
    out
}

fn collect_items(items: &[syn::Item], out: &mut Vec<Node>) {
    for item in items {
        match item {
            syn::Item::Fn(f) => out.push(Node {
                path: f.sig.ident.to_string(),
                mentions: mentions(f.block.to_token_stream()),
            }),
            syn::Item::Impl(imp) => {
                let ty = match &*imp.self_ty {
                    syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                    _ => None,
                }
                .unwrap_or_default();
                for inner in &imp.items {
                    if let syn::ImplItem::Fn(m) = inner {
                        out.push(Node {
                            path: format!("{ty}::{}", m.sig.ident),
                            mentions: mentions(m.block.to_token_stream()),
                        });
                    }
                }
            }
            syn::Item::Trait(t) => {
                for inner in &t.items {
                    if let syn::TraitItem::Fn(m) = inner {
                        out.push(Node {
                            path: format!("{}::{}", t.ident, m.sig.ident),
                            mentions: m
                                .default
                                .as_ref()
                                .map(|b| mentions(b.to_token_stream()))
                                .unwrap_or_default(),
                        });
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_items(items, out);
                }
            }
            // What a constant, a static or a macro names runs where it is used.
            syn::Item::Const(c) => out.push(Node {
                path: c.ident.to_string(),
                mentions: mentions(c.expr.to_token_stream()),
            }),
            syn::Item::Static(s) => out.push(Node {
                path: s.ident.to_string(),
                mentions: mentions(s.expr.to_token_stream()),
            }),
            syn::Item::Macro(m) => {
                if let Some(name) = &m.ident {
                    out.push(Node {
                        path: name.to_string(),
                        mentions: mentions(m.mac.tokens.clone()),
                    });
                }
            }
            _ => {}
        }
    }
}

/// Every identifier of `tokens` (macro bodies included), with the name
/// written before it and `::`, if any.
fn mentions(tokens: TokenStream) -> BTreeSet<(Option<String>, String)> {
    let mut out = BTreeSet::new();
    walk(tokens, &mut out);
    out
}

fn walk(tokens: TokenStream, out: &mut BTreeSet<(Option<String>, String)>) {
    // The last identifier, and how many ':' followed it.
    let mut before: Option<String> = None;
    let mut colons = 0;
    for tree in tokens {
        match tree {
            TokenTree::Group(g) => {
                walk(g.stream(), out);
                before = None;
            }
            TokenTree::Ident(i) => {
                let name = i.to_string();
                let qualifier = before.take().filter(|_| colons == 2);
                out.insert((qualifier, name.clone()));
                before = Some(name);
                colons = 0;
            }
            TokenTree::Punct(p) if p.as_char() == ':' && before.is_some() && colons < 2 => {
                colons += 1;
            }
            _ => {
                before = None;
                colons = 0;
            }
        }
    }
}

/// What each `"item" => ...` arm of `text` mentions: the arm's body is the
/// group after `=>`, or its tokens up to the next `,` at the same level.
fn arms(text: &str) -> BTreeMap<String, BTreeSet<(Option<String>, String)>> {
    let mut out = BTreeMap::new();
    if let Ok(tokens) = text.parse::<TokenStream>() {
        find_arms(tokens, &mut out);
    }
    out
}

fn find_arms(tokens: TokenStream, out: &mut BTreeMap<String, BTreeSet<(Option<String>, String)>>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (k, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(g) => find_arms(g.stream(), out),
            TokenTree::Literal(lit) => {
                let text = lit.to_string();
                let Some(item) = text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .filter(|t| {
                        !t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '_')
                    })
                else {
                    continue;
                };
                let arrow = matches!(
                    (trees.get(k + 1), trees.get(k + 2)),
                    (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                        if a.as_char() == '=' && b.as_char() == '>'
                );
                if !arrow {
                    continue;
                }
                let body: TokenStream = match trees.get(k + 3) {
                    Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Brace => {
                        g.stream()
                    }
                    _ => trees[k + 3..]
                        .iter()
                        .take_while(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                        .cloned()
                        .collect(),
                };
                out.entry(item.to_string())
                    .or_default()
                    .extend(mentions(body));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADAPTER: &str = r#"
        pub fn call(item: &str, inputs: &Value) -> Result<Value, String> {
            Ok(match item {
                "a" => outputs([("a", from_f64(lab::a(1.0)))]),
                "c" => {
                    let t = T::new();
                    outputs([("c", from_f64(t.c()))])
                }
                "check" => from_f64(helper(inputs)),
                other => return Err(format!("no item {other}")),
            })
        }
        fn helper(v: &Value) -> f64 { lab::b(0.0) + provided_sum() }
    "#;

    const PROVIDED: &str = "pub fn provided_sum() -> f64 { a(2.0) }\n\
        impl Module for T { fn c(&self) -> f64 { T::c(self) } }";

    fn graded() -> Vec<String> {
        ["a", "b", "T::c"].map(String::from).to_vec()
    }

    fn items() -> BTreeMap<String, Vec<String>> {
        [
            ("a", vec!["a"]),
            ("c", vec!["T::c"]),
            ("check", vec!["b"]),
            ("gone", vec!["b"]),
        ]
        .into_iter()
        .map(|(i, f)| (i.to_string(), f.into_iter().map(String::from).collect()))
        .collect()
    }

    fn reach(student: &str) -> BTreeMap<String, Option<Vec<String>>> {
        Calls::new(&[PROVIDED.to_string()], ADAPTER)
            .reach(student, &items(), &graded())
            .into_iter()
            .map(|(k, v)| (k, v.map(|s| s.into_iter().collect())))
            .collect()
    }

    #[test]
    fn an_item_reaches_what_its_arm_calls_through_every_file() {
        let student = "pub fn a(x: f64) -> f64 { x }\n\
            pub fn b(x: f64) -> f64 { helper_two(x) }\n\
            fn helper_two(x: f64) -> f64 { mod_fn::inner(x) }\n\
            mod mod_fn { pub fn inner(x: f64) -> f64 { super::super_sigma(x) } }\n\
            fn super_sigma(x: f64) -> f64 { x }\n\
            impl T { pub fn c(&self) -> f64 { b(1.0) } }";
        let r = reach(student);
        assert_eq!(r["a"], Some(vec!["a".to_string()]));
        // c calls b (in the student's file); b calls nothing graded.
        assert_eq!(r["c"], Some(vec!["T::c".to_string(), "b".to_string()]));
        // The arm's helper calls b and the provided sum, which calls a.
        assert_eq!(r["check"], Some(vec!["a".to_string(), "b".to_string()]));
        // An item the adapter has no arm for may reach anything.
        assert_eq!(r["gone"], None);
    }

    #[test]
    fn macros_and_stubs_count_as_what_they_say() {
        // A call inside a macro still counts; a stub calls nothing.
        let student = "pub fn a(x: f64) -> f64 { let _ = x; todo!() }\n\
            pub fn b(x: f64) -> f64 { println!(\"{}\", a(x)); x }\n\
            impl T { pub fn c(&self) -> f64 { todo!() } }";
        let r = reach(student);
        assert_eq!(r["a"], Some(vec!["a".to_string()]));
        assert_eq!(r["c"], Some(vec!["T::c".to_string()]));
        assert_eq!(r["check"], Some(vec!["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn a_type_before_a_name_narrows_it_to_that_types_method() {
        let student = "pub fn a(x: f64) -> f64 { x }\npub fn b(x: f64) -> f64 { x }\n\
            impl T { pub fn c(&self) -> f64 { 1.0 } }\n\
            impl U { pub fn a(&self) -> f64 { U::b_like(self) } pub fn b_like(&self) -> f64 { 0.0 } }";
        let mut items = items();
        items.insert("u".into(), vec!["U::a".into()]);
        let adapter =
            format!("{ADAPTER}\nfn extra() {{ match x {{ \"u\" => U::a(&u), _ => 0 }} }}");
        let mut graded = graded();
        graded.push("U::a".into());
        let r = Calls::new(&[], &adapter).reach(student, &items, &graded);
        // `U::a` is U's method only, not the free function `a`.
        assert_eq!(
            r["u"].clone().unwrap().into_iter().collect::<Vec<_>>(),
            ["U::a"]
        );
    }
}
