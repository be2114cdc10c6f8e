//! Which graded functions each graded item depends on: the functions its
//! adapter arm calls, and every function those call in turn, through the
//! student's file, the provided files and the adapter's own helpers.
//! Isolated credit (`isolate.rs`) asks it which failures can explain an
//! item's failure: a function the item never reaches cannot.
//!
//! Calls are found by name, with what types a body makes plain: a path
//! (`Linear::forward`), a method on `self` (the impl's type), on a binding
//! whose type its `let` or parameter names (`let m = Sigmoid::default();
//! m.forward(..)`), or on a call of a type's function (`Optimizer::new(..)
//! .step(..)`) is that type's; any other method call may be any method of
//! that name. Mentioning a type reaches its trait impls' methods (operators,
//! `Drop`, iterators run without being named); a `use .. as` alias is its
//! target; macro bodies are read as tokens. So the answer may hold a
//! function the item does not really call (it then costs a variant build;
//! credit still needs the swapped function to fail on its own), and misses
//! only calls that name nothing at all.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use syn::visit::Visit;

/// A name a body mentions, with the type (or module) it belongs to when the
/// body makes that plain.
type Mention = (Option<String>, String);

/// A function of a source file and what its body mentions.
#[derive(Debug, Clone)]
struct Node {
    /// `name`, or `Type::name` for a method (of any impl).
    path: String,
    /// A method of a trait impl: reached by mentioning its type.
    trait_impl: bool,
    mentions: BTreeSet<Mention>,
    /// Types the body names (their trait impls' methods may run).
    types: BTreeSet<String>,
}

impl Node {
    fn name(&self) -> &str {
        self.path.rsplit("::").next().unwrap_or(&self.path)
    }

    fn type_name(&self) -> Option<&str> {
        self.path.rsplit_once("::").map(|(t, _)| t)
    }
}

/// What one body mentions.
#[derive(Default)]
struct Body {
    mentions: BTreeSet<Mention>,
    types: BTreeSet<String>,
}

/// The lab's fixed code (provided files and the adapter), read once.
#[derive(Debug, Clone, Default)]
pub struct Calls {
    fixed: Vec<Node>,
    /// `use .. as` aliases of the fixed files: alias -> the name it stands for.
    aliases: BTreeMap<String, String>,
    /// Item -> what its adapter arm mentions; an item whose arm was not found
    /// depends on everything.
    arms: BTreeMap<String, (BTreeSet<Mention>, BTreeSet<String>)>,
}

impl Calls {
    /// From the provided files' texts and the adapter's (the first probe
    /// module): every function of each, and the adapter's `"item" => ...`
    /// arms.
    pub fn new(provided: &[String], adapter: &str) -> Calls {
        let mut fixed = Vec::new();
        let mut aliases = BTreeMap::new();
        for text in provided.iter().map(String::as_str).chain([adapter]) {
            let (nodes, a) = parse(text);
            fixed.extend(nodes);
            aliases.extend(a);
        }
        let arms = arms(adapter);
        proc_macro2::extra::invalidate_current_thread_spans();
        Calls {
            fixed,
            aliases,
            arms,
        }
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
        let graph = self.graph(student);
        items
            .keys()
            .map(|item| {
                let reached = self
                    .arms
                    .get(item)
                    .map(|(mentions, types)| graph.reach(mentions, types, graded));
                (item.clone(), reached)
            })
            .collect()
    }

    /// The graded functions the student's function `function` reaches from
    /// its own body (itself not included unless it calls itself back).
    pub fn reach_of_function(
        &self,
        student: &str,
        function: &str,
        graded: &[String],
    ) -> BTreeSet<String> {
        let graph = self.graph(student);
        let (mentions, types): (BTreeSet<Mention>, BTreeSet<String>) = graph
            .nodes
            .iter()
            .filter(|(n, theirs)| *theirs && n.path == function)
            .fold(Default::default(), |(mut m, mut t), (n, _)| {
                m.extend(n.mentions.iter().cloned());
                t.extend(n.types.iter().cloned());
                (m, t)
            });
        graph.reach(&mentions, &types, graded)
    }

    fn graph(&self, student: &str) -> Graph<'_> {
        let (theirs, mut aliases) = parse(student);
        proc_macro2::extra::invalidate_current_thread_spans();
        aliases.extend(self.aliases.clone());
        Graph {
            nodes: theirs
                .into_iter()
                .map(|n| (std::borrow::Cow::Owned(n), true))
                .chain(
                    self.fixed
                        .iter()
                        .map(|n| (std::borrow::Cow::Borrowed(n), false)),
                )
                .collect(),
            aliases,
        }
    }
}

/// Every function of the student's file and of the fixed code.
struct Graph<'a> {
    /// Each node, and whether it is the student's.
    nodes: Vec<(std::borrow::Cow<'a, Node>, bool)>,
    aliases: BTreeMap<String, String>,
}

impl Graph<'_> {
    /// The graded functions of the student's file reached from `mentions`
    /// and `types`, through every node.
    fn reach(
        &self,
        mentions: &BTreeSet<Mention>,
        types: &BTreeSet<String>,
        graded: &[String],
    ) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut seen = vec![false; self.nodes.len()];
        let mut queue: VecDeque<Mention> = mentions.iter().cloned().collect();
        let mut type_queue: VecDeque<String> = types.iter().cloned().collect();
        let mut types_seen: BTreeSet<String> = BTreeSet::new();
        loop {
            let next: Vec<usize> = if let Some((qualifier, name)) = queue.pop_front() {
                let name = self.aliases.get(&name).cloned().unwrap_or(name);
                (0..self.nodes.len())
                    .filter(|&k| !seen[k] && self.refers_to(qualifier.as_deref(), &name, k))
                    .collect()
            } else if let Some(ty) = type_queue.pop_front() {
                if !types_seen.insert(ty.clone()) {
                    continue;
                }
                (0..self.nodes.len())
                    .filter(|&k| {
                        !seen[k]
                            && self.nodes[k].0.trait_impl
                            && self.nodes[k].0.type_name() == Some(ty.as_str())
                    })
                    .collect()
            } else {
                break;
            };
            for k in next {
                seen[k] = true;
                let (node, theirs) = &self.nodes[k];
                if *theirs && graded.contains(&node.path) {
                    found.insert(node.path.clone());
                }
                queue.extend(node.mentions.iter().cloned());
                type_queue.extend(node.types.iter().cloned());
            }
        }
        found
    }

    /// Whether a mention of `qualifier::name` may call node `k`: any function
    /// of that name, unless the qualifier is a type with such a method (then
    /// only that type's).
    fn refers_to(&self, qualifier: Option<&str>, name: &str, k: usize) -> bool {
        let node = &self.nodes[k].0;
        if node.name() != name {
            return false;
        }
        match qualifier {
            Some(q)
                if self
                    .nodes
                    .iter()
                    .any(|(n, _)| n.path == format!("{q}::{name}")) =>
            {
                node.path == format!("{q}::{name}")
            }
            _ => true,
        }
    }
}

/// Every function of `text` (free functions and methods, at any depth of
/// modules and impls) and its `use .. as` aliases; nothing when it does not
/// parse.
fn parse(text: &str) -> (Vec<Node>, BTreeMap<String, String>) {
    let Ok(file) = syn::parse_file(text) else {
        return (Vec::new(), BTreeMap::new());
    };
    let mut out = Vec::new();
    let mut aliases = BTreeMap::new();
    collect_items(&file.items, &mut out, &mut aliases);
    (out, aliases)
}

fn collect_items(items: &[syn::Item], out: &mut Vec<Node>, aliases: &mut BTreeMap<String, String>) {
    let node = |path: String, trait_impl: bool, body: Body| Node {
        path,
        trait_impl,
        mentions: body.mentions,
        types: body.types,
    };
    for item in items {
        match item {
            syn::Item::Fn(f) => out.push(node(
                f.sig.ident.to_string(),
                false,
                body_of(None, Some(&f.sig), |v| v.visit_block(&f.block)),
            )),
            syn::Item::Impl(imp) => {
                let ty = last_ident(&imp.self_ty);
                for inner in &imp.items {
                    match inner {
                        syn::ImplItem::Fn(m) => out.push(node(
                            format!("{}::{}", ty.as_deref().unwrap_or(""), m.sig.ident),
                            imp.trait_.is_some(),
                            body_of(ty.clone(), Some(&m.sig), |v| v.visit_block(&m.block)),
                        )),
                        syn::ImplItem::Const(c) => out.push(node(
                            format!("{}::{}", ty.as_deref().unwrap_or(""), c.ident),
                            imp.trait_.is_some(),
                            body_of(ty.clone(), None, |v| v.visit_expr(&c.expr)),
                        )),
                        _ => {}
                    }
                }
            }
            syn::Item::Trait(t) => {
                for inner in &t.items {
                    if let syn::TraitItem::Fn(m) = inner {
                        if let Some(block) = &m.default {
                            out.push(node(
                                format!("{}::{}", t.ident, m.sig.ident),
                                false,
                                body_of(None, Some(&m.sig), |v| v.visit_block(block)),
                            ));
                        }
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_items(items, out, aliases);
                }
            }
            // What a constant or a static names runs where it is used.
            syn::Item::Const(c) => out.push(node(
                c.ident.to_string(),
                false,
                body_of(None, None, |v| v.visit_expr(&c.expr)),
            )),
            syn::Item::Static(s) => out.push(node(
                s.ident.to_string(),
                false,
                body_of(None, None, |v| v.visit_expr(&s.expr)),
            )),
            syn::Item::Macro(m) => {
                let body = Body {
                    mentions: mentions(m.mac.tokens.clone()),
                    types: BTreeSet::new(),
                };
                // A macro by its name; a macro call's statics and functions
                // (`thread_local!`) by theirs, each with all the call names.
                let mut names: Vec<String> = m.ident.iter().map(|i| i.to_string()).collect();
                names.extend(defined_in(m.mac.tokens.clone()));
                for name in names {
                    out.push(node(
                        name,
                        false,
                        Body {
                            mentions: body.mentions.clone(),
                            types: BTreeSet::new(),
                        },
                    ));
                }
            }
            syn::Item::Use(u) => collect_aliases(&u.tree, aliases),
            _ => {}
        }
    }
}

/// `use a::b as c` -> c stands for b.
fn collect_aliases(tree: &syn::UseTree, aliases: &mut BTreeMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => collect_aliases(&p.tree, aliases),
        syn::UseTree::Rename(r) => {
            aliases.insert(r.rename.to_string(), r.ident.to_string());
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_aliases(t, aliases);
            }
        }
        _ => {}
    }
}

/// The names a macro call's tokens define: each identifier after `static`,
/// `const` or `fn`.
fn defined_in(tokens: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let mut after_keyword = false;
    for tree in tokens {
        match tree {
            TokenTree::Group(g) => {
                out.extend(defined_in(g.stream()));
                after_keyword = false;
            }
            TokenTree::Ident(i) => {
                let word = i.to_string();
                if after_keyword && word != "mut" {
                    out.push(word);
                    after_keyword = false;
                } else {
                    after_keyword = matches!(word.as_str(), "static" | "const" | "fn");
                }
            }
            _ => after_keyword = false,
        }
    }
    out
}

/// The last identifier of a type's path (`&mut Vec<Linear>` -> `Vec`).
fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => last_ident(&r.elem),
        syn::Type::Paren(p) => last_ident(&p.elem),
        syn::Type::Group(g) => last_ident(&g.elem),
        _ => None,
    }
}

/// What a body mentions, read by `visit` with the parameters of `sig` typed.
fn body_of(
    self_type: Option<String>,
    sig: Option<&syn::Signature>,
    visit: impl FnOnce(&mut Reader),
) -> Body {
    let mut reader = Reader {
        self_type,
        bindings: BTreeMap::new(),
        body: Body::default(),
    };
    if let Some(sig) = sig {
        for input in &sig.inputs {
            if let syn::FnArg::Typed(arg) = input {
                if let (syn::Pat::Ident(name), Some(ty)) = (&*arg.pat, last_ident(&arg.ty)) {
                    reader.bindings.insert(name.ident.to_string(), ty);
                }
                reader.visit_type(&arg.ty);
            }
        }
    }
    visit(&mut reader);
    reader.body
}

/// Walks a body, noting every name it mentions and, where plain, its type.
struct Reader {
    self_type: Option<String>,
    /// Local bindings and parameters whose type the code names.
    bindings: BTreeMap<String, String>,
    body: Body,
}

impl Reader {
    /// The type of an expression, where the code makes it plain.
    fn type_of(&self, expr: &syn::Expr) -> Option<String> {
        match expr {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                if name == "self" {
                    self.self_type.clone()
                } else {
                    self.bindings.get(&name).cloned()
                }
            }
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) if p.path.segments.len() >= 2 => {
                    let n = p.path.segments.len();
                    let ty = p.path.segments[n - 2].ident.to_string();
                    Some(if ty == "Self" {
                        self.self_type.clone()?
                    } else {
                        ty
                    })
                }
                _ => None,
            },
            syn::Expr::Struct(s) => s.path.segments.last().map(|s| s.ident.to_string()),
            syn::Expr::Reference(r) => self.type_of(&r.expr),
            syn::Expr::Paren(p) => self.type_of(&p.expr),
            syn::Expr::Try(t) => self.type_of(&t.expr),
            _ => None,
        }
    }

    fn mention(&mut self, qualifier: Option<String>, name: String) {
        self.body.mentions.insert((qualifier, name));
    }
}

impl<'ast> Visit<'ast> for Reader {
    fn visit_local(&mut self, local: &'ast syn::Local) {
        let (name, annotated) = match &local.pat {
            syn::Pat::Ident(i) => (Some(i.ident.to_string()), None),
            syn::Pat::Type(t) => match &*t.pat {
                syn::Pat::Ident(i) => (Some(i.ident.to_string()), last_ident(&t.ty)),
                _ => (None, None),
            },
            _ => (None, None),
        };
        if let Some(name) = name {
            let inferred = local.init.as_ref().and_then(|i| self.type_of(&i.expr));
            match annotated.or(inferred) {
                Some(ty) => {
                    self.bindings.insert(name, ty);
                }
                None => {
                    // A rebinding of unknown type shadows the earlier one.
                    self.bindings.remove(&name);
                }
            }
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let ty = self.type_of(&call.receiver);
        self.mention(ty, call.method.to_string());
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let n = path.segments.len();
        if let Some(last) = path.segments.last() {
            let qualifier = (n >= 2).then(|| {
                let q = path.segments[n - 2].ident.to_string();
                if q == "Self" {
                    self.self_type.clone().unwrap_or(q)
                } else {
                    q
                }
            });
            self.mention(qualifier, last.ident.to_string());
            // A path's segments may name types too (`Linear::new`).
            for s in &path.segments {
                self.body.types.insert(s.ident.to_string());
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.body.mentions.extend(mentions(mac.tokens.clone()));
        syn::visit::visit_macro(self, mac);
    }
}

/// Every identifier of `tokens` (macro bodies), with the name written before
/// it and `::`, if any.
fn mentions(tokens: TokenStream) -> BTreeSet<Mention> {
    let mut out = BTreeSet::new();
    walk(tokens, &mut out);
    out
}

fn walk(tokens: TokenStream, out: &mut BTreeSet<Mention>) {
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

/// What each `"item" => ...` arm of the adapter's `call` mentions.
fn arms(text: &str) -> BTreeMap<String, (BTreeSet<Mention>, BTreeSet<String>)> {
    let mut out = BTreeMap::new();
    let Ok(file) = syn::parse_file(text) else {
        return out;
    };
    let mut finder = ArmFinder { arms: &mut out };
    finder.visit_file(&file);
    out
}

/// Finds the `"item" => body` arms of the adapter's `call` (a helper's
/// matches on other strings are not items).
struct ArmFinder<'a> {
    arms: &'a mut BTreeMap<String, (BTreeSet<Mention>, BTreeSet<String>)>,
}

impl<'ast> Visit<'ast> for ArmFinder<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if f.sig.ident == "call" {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if let syn::Pat::Lit(lit) = &arm.pat {
            if let syn::Lit::Str(s) = &lit.lit {
                let item = s.value();
                if !item.is_empty() && item.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    let body = body_of(None, None, |v| v.visit_expr(&arm.body));
                    let entry = self.arms.entry(item).or_default();
                    entry.0.extend(body.mentions);
                    entry.1.extend(body.types);
                }
            }
        }
        syn::visit::visit_arm(self, arm);
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

    /// Two types with methods of the same names, called on bindings whose
    /// type the code names: each item reaches its own type's only.
    #[test]
    fn a_receiver_whose_type_the_code_names_is_that_types() {
        let adapter = r#"pub fn call(item: &str) -> f64 {
            match item {
                "lin" => { let mut m = Linear::new(); m.forward(1.0) + m.backward(1.0) }
                "sig" => { let mut m = Sigmoid::default(); m.forward(1.0) }
                "opt" => Optimizer::new(0.1).step(&mut net()),
                "any" => { let m = pick(); m.forward(1.0) }
                _ => 0.0,
            }
        }"#;
        let student = "impl Linear { pub fn forward(&mut self, x: f64) -> f64 { x } \
                pub fn backward(&mut self, g: f64) -> f64 { self.forward(g) } }\n\
            impl Sigmoid { pub fn forward(&mut self, x: f64) -> f64 { x } }\n\
            impl Optimizer { pub fn step(&self, net: &mut Net) -> f64 { 0.0 } }";
        let graded: Vec<String> = [
            "Linear::forward",
            "Linear::backward",
            "Sigmoid::forward",
            "Optimizer::step",
        ]
        .map(String::from)
        .to_vec();
        let items: BTreeMap<String, Vec<String>> = [
            ("lin", vec!["Linear::forward", "Linear::backward"]),
            ("sig", vec!["Sigmoid::forward"]),
            ("opt", vec!["Optimizer::step"]),
            ("any", vec![]),
        ]
        .into_iter()
        .map(|(i, f)| (i.to_string(), f.into_iter().map(String::from).collect()))
        .collect();
        let r = Calls::new(&[], adapter).reach(student, &items, &graded);
        let got = |i: &str| r[i].clone().unwrap().into_iter().collect::<Vec<_>>();
        assert_eq!(got("lin"), ["Linear::backward", "Linear::forward"]);
        assert_eq!(got("sig"), ["Sigmoid::forward"]);
        assert_eq!(got("opt"), ["Optimizer::step"]);
        // A receiver of unknown type may be any type with that method.
        assert_eq!(got("any"), ["Linear::forward", "Sigmoid::forward"]);
    }

    /// Calls that name no function are still found: an operator of a type
    /// the body mentions, an alias, a static set up by a macro.
    #[test]
    fn calls_that_hide_the_name_are_found() {
        let student = "pub fn a(x: f64) -> f64 { !Wrap(x) + hidden(x) + CELL.with(|c| *c) }\n\
            pub fn b(x: f64) -> f64 { x }\n\
            struct Wrap(f64);\n\
            impl std::ops::Not for Wrap { type Output = f64; fn not(self) -> f64 { b(self.0) } }\n\
            use crate::b as hidden;\n\
            thread_local! { static CELL: f64 = T.c(); }\n\
            impl T { pub fn c(&self) -> f64 { 1.0 } }";
        let r = reach(student);
        assert_eq!(
            r["a"],
            Some(vec!["T::c".to_string(), "a".to_string(), "b".to_string()])
        );
    }

    #[test]
    fn a_type_before_a_name_narrows_it_to_that_types_method() {
        let student = "pub fn a(x: f64) -> f64 { x }\npub fn b(x: f64) -> f64 { x }\n\
            impl T { pub fn c(&self) -> f64 { 1.0 } }\n\
            impl U { pub fn a(&self) -> f64 { U::b_like(self) } pub fn b_like(&self) -> f64 { 0.0 } }";
        let mut items = items();
        items.insert("u".into(), vec!["U::a".into()]);
        let adapter = ADAPTER.replace(
            "\"check\" => from_f64(helper(inputs)),",
            "\"check\" => from_f64(helper(inputs)),\n\"u\" => U::a(&u),",
        );
        let mut graded = graded();
        graded.push("U::a".into());
        let r = Calls::new(&[], &adapter).reach(student, &items, &graded);
        // `U::a` is U's method only, not the free function `a`.
        assert_eq!(
            r["u"].clone().unwrap().into_iter().collect::<Vec<_>>(),
            ["U::a"]
        );
    }

    #[test]
    fn a_functions_own_reach_is_what_its_body_calls() {
        let calls = Calls::new(&[PROVIDED.to_string()], ADAPTER);
        let student = "pub fn a(x: f64) -> f64 { x }\npub fn b(x: f64) -> f64 { a(x) }\n\
            impl T { pub fn c(&self) -> f64 { 2.0 } }";
        let graded = graded();
        assert_eq!(
            calls.reach_of_function(student, "b", &graded),
            ["a".to_string()].into()
        );
        assert!(calls.reach_of_function(student, "T::c", &graded).is_empty());
    }
}
