//! A student's file as the tokens renaming, reformatting and comments cannot
//! change, read by a real Rust lexer (`proc-macro2`'s, the one `syn` uses),
//! and cut into items so that reordering functions changes nothing.
//!
//! What is kept and what is abstracted:
//! - comments and layout are gone (the lexer drops them; doc comments, which
//!   it keeps as `#[doc = "…"]` attributes, are dropped here);
//! - every literal becomes `L` (numbers, strings, characters);
//! - a name the student chooses (a variable, parameter, function, closure
//!   argument) becomes `I`; names that come from the API stay: keywords,
//!   primitive types, capitalised names (types and variants), names after
//!   `.` (methods, fields) or beside `::` (paths), and macro names.
//!
//! Items: a top-level item (a `fn`, `struct`, `use`, …) is one unit; an
//! `impl`, `trait` or `mod` block is opened, its header is a unit and each
//! item inside is one. Fingerprints never span two units.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::ops::Range;
use std::str::FromStr;

/// One normalised token and the (1-based) line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub line: u32,
}

/// A file's tokens and its units (ranges of `tokens`, in file order).
#[derive(Debug, Default)]
pub struct Tokens {
    pub tokens: Vec<Token>,
    pub units: Vec<Range<usize>>,
}

/// Files with more tokens than this are not compared (a lab's solution has
/// about 1,500; the cap bounds memory and time for a class of 1,000).
pub const MAX_TOKENS: usize = 20_000;

/// Blocks nested deeper than this (`mod a { mod b { … } }`) are read as one
/// unit: enough for any real file, and no recursion a file could exhaust.
const MAX_ITEM_DEPTH: usize = 8;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "bool", "char", "str", "f32", "f64", "i8", "i16", "i32",
    "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

/// `source` as normalised tokens and units, or why it cannot be read.
pub fn tokenize(source: &str) -> Result<Tokens, String> {
    let result = TokenStream::from_str(source)
        .map_err(|e| {
            format!(
                "cannot be read as Rust (unbalanced brackets or an unclosed string near line {})",
                e.span().start().line
            )
        })
        .and_then(|stream| {
            let mut walker = Walker::default();
            walker.walk(stream)?;
            walker.end_unit();
            Ok(walker.out)
        });
    // The lexer keeps every file's text in a per-thread map that only grows;
    // a class of 1,000 files needs none of it once the lines are read.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// One level of brackets being read.
struct Frame {
    trees: Vec<TokenTree>,
    next: usize,
    /// Items live at this level (the file, or an `impl`/`trait`/`mod` body).
    items: bool,
    /// The closing bracket and its line (none for the file itself).
    close: Option<(char, u32)>,
    /// A unit ends after the closing bracket (a body read at item level).
    ends_unit: bool,
    depth: usize,
}

#[derive(Default)]
struct Walker {
    out: Tokens,
    unit_start: usize,
}

impl Walker {
    fn push(&mut self, text: impl Into<String>, line: u32) -> Result<(), String> {
        if self.out.tokens.len() >= MAX_TOKENS {
            return Err(format!(
                "is too long to compare (over {MAX_TOKENS} tokens; a solution has about 1,500)"
            ));
        }
        self.out.tokens.push(Token {
            text: text.into(),
            line,
        });
        Ok(())
    }

    fn end_unit(&mut self) {
        let end = self.out.tokens.len();
        if end > self.unit_start {
            self.out.units.push(self.unit_start..end);
        }
        self.unit_start = end;
    }

    /// Whether the unit read so far opens a block of items.
    fn opens_items(&self) -> bool {
        let unit = &self.out.tokens[self.unit_start..];
        unit.iter()
            .any(|t| matches!(t.text.as_str(), "impl" | "trait" | "mod"))
            && !unit.iter().any(|t| t.text == "fn" || t.text == "=")
    }

    /// Reads the file with an explicit stack: brackets nested a million deep
    /// cost memory in proportion, never the thread's stack.
    fn walk(&mut self, stream: TokenStream) -> Result<(), String> {
        let mut stack = vec![Frame {
            trees: stream.into_iter().collect(),
            next: 0,
            items: true,
            close: None,
            ends_unit: false,
            depth: 0,
        }];
        while let Some(frame) = stack.last_mut() {
            let Some(tree) = frame.trees.get(frame.next).cloned() else {
                let done = stack.pop().expect("a frame");
                if let Some((c, line)) = done.close {
                    self.push(c.to_string(), line)?;
                }
                if done.ends_unit {
                    self.end_unit();
                }
                continue;
            };
            let at = frame.next;
            frame.next += 1;
            let (items, depth) = (frame.items, frame.depth);
            if let Some(skip) = doc_attribute(&frame.trees[at..]) {
                frame.next = at + skip;
                continue;
            }
            match tree {
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => (Some('('), Some(')')),
                        Delimiter::Brace => (Some('{'), Some('}')),
                        Delimiter::Bracket => (Some('['), Some(']')),
                        Delimiter::None => (None, None),
                    };
                    if let Some(open) = open {
                        self.push(open.to_string(), g.span_open().start().line as u32)?;
                    }
                    let brace_at_items = items && g.delimiter() == Delimiter::Brace;
                    let inner_items =
                        brace_at_items && depth < MAX_ITEM_DEPTH && self.opens_items();
                    if inner_items {
                        // The block's header is a unit of its own.
                        self.end_unit();
                    }
                    stack.push(Frame {
                        trees: g.stream().into_iter().collect(),
                        next: 0,
                        items: inner_items,
                        close: close.map(|c| (c, g.span_close().start().line as u32)),
                        ends_unit: brace_at_items,
                        depth: depth + 1,
                    });
                }
                TokenTree::Ident(ident) => {
                    let text = ident.to_string();
                    let line = ident.span().start().line as u32;
                    let frame = stack.last().expect("a frame");
                    let kept = keeps_name(&text, &self.out.tokens, &frame.trees[at + 1..]);
                    self.push(if kept { text } else { "I".to_string() }, line)?;
                }
                TokenTree::Literal(lit) => {
                    self.push("L", lit.span().start().line as u32)?;
                }
                TokenTree::Punct(p) => {
                    self.push(p.as_char().to_string(), p.span().start().line as u32)?;
                    if items && p.as_char() == ';' {
                        self.end_unit();
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether a name stays as written (see the module's notes), given the
/// tokens before it and the trees after it.
fn keeps_name(name: &str, before: &[Token], after: &[TokenTree]) -> bool {
    let back = |k: usize| before.len().checked_sub(k).map(|i| before[i].text.as_str());
    let punct = |k: usize| match after.get(k) {
        Some(TokenTree::Punct(p)) => Some((p.as_char(), p.spacing())),
        _ => None,
    };
    KEYWORDS.contains(&name)
        || name.starts_with(|c: char| c.is_ascii_uppercase())
        || back(1) == Some(".")
        || back(1) == Some(":") && back(2) == Some(":")
        || matches!(punct(0), Some((':', Spacing::Joint))) && matches!(punct(1), Some((':', _)))
        || matches!(punct(0), Some(('!', _))) && matches!(after.get(1), Some(TokenTree::Group(_)))
}

/// How many trees a doc comment at the start of `trees` takes (`#[doc …]` or
/// `#![doc …]`), if one is there.
fn doc_attribute(trees: &[TokenTree]) -> Option<usize> {
    let is =
        |k: usize, c: char| matches!(trees.get(k), Some(TokenTree::Punct(p)) if p.as_char() == c);
    if !is(0, '#') {
        return None;
    }
    let at = if is(1, '!') { 2 } else { 1 };
    match trees.get(at) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
            let first = g.stream().into_iter().next();
            matches!(first, Some(TokenTree::Ident(i)) if i == "doc").then_some(at + 1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<String> {
        tokenize(source)
            .unwrap()
            .tokens
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn names_literals_comments_and_layout_are_abstracted() {
        let a = "/// Doc.\nfn f(x: f64) -> f64 { // why\n    let y = x * 2.0; y.exp() }";
        let b = "fn   renamed(z: f64)\n -> f64\n{\n /* other */ let w = z * 3.5;\n w.exp()\n}";
        assert_eq!(texts(a), texts(b));
        assert_eq!(
            texts(a).join(" "),
            "fn I ( I : f64 ) - > f64 { let I = I * L ; I . exp ( ) }"
        );
        // API names stay: methods, paths, macros, types.
        assert_eq!(
            texts("Array2::zeros(a.dim()); v.push(vec![1]); Some(x)").join(" "),
            "Array2 : : zeros ( I . dim ( ) ) ; I . push ( vec ! [ L ] ) ; Some ( I )"
        );
        assert_eq!(texts("a != b").join(" "), "I ! = I");
    }

    #[test]
    fn items_are_units_and_impl_blocks_are_opened() {
        let src =
            "use a::b;\nfn f() { 1 }\nimpl T {\n    fn g(&self) {}\n    fn h() -> u8 { 2 }\n}\n";
        let t = tokenize(src).unwrap();
        let units: Vec<String> = t
            .units
            .iter()
            .map(|r| {
                t.tokens[r.clone()]
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            units,
            [
                "use a : : b ;",
                "fn I ( ) { L }",
                "impl T {",
                "fn I ( & self ) { }",
                "fn I ( ) - > u8 { L }",
                "}"
            ]
        );
        assert_eq!(t.tokens[0].line, 1);
        assert_eq!(t.tokens.last().unwrap().line, 6);
    }

    #[test]
    fn deep_nesting_long_files_and_broken_text_are_refused_or_read_safely() {
        let deep = format!(
            "fn f() {{ {}{} }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let err = tokenize(&deep).unwrap_err();
        assert!(err.contains("too long"), "{err}");
        let nested = format!("{}{}", "mod a { ".repeat(5_000), "} ".repeat(5_000));
        assert!(tokenize(&nested).is_ok());
        let err = tokenize("fn f() { \"open").unwrap_err();
        assert!(err.contains("cannot be read as Rust"), "{err}");
    }
}
