//! Text a student controls: panic messages, what their code printed, the
//! compiler's messages quoting their code, file names from their upload.
//!
//! Such text is bounded here before it is kept ([`clip`], [`clip_lines`]:
//! per line, per case, per test, per output, always with a visible
//! "… (N more bytes cut)" note) and made inert before it is shown where it
//! could act: [`clean`] for any text a person reads (no control, bidi or
//! line-separator characters), [`inert`] for a terminal or CI log (also no
//! GitHub workflow command), [`markdown`] for a Markdown table cell (no markup,
//! HTML, link or image). XML escaping is `junit.rs`'s, on cleaned text.
//!
//! The caps (bytes of UTF-8, notes included):
//!
//! | what | cap | why |
//! | --- | --- | --- |
//! | one line of student text | [`LINE_BYTES`] 512 | a rustc diagnostic line or a panic message is under 200; head and tail kept, so a panic's place (at its end) survives |
//! | a short text quoted in a sentence ([`quote`]) | [`QUOTE_BYTES`] 80 | a written answer said back ("got text \"about 2\""): a word or a number, not a paragraph |
//! | one case's failure reason | [`CASE_BYTES`] 640, [`CASE_LINES`] 8 lines | an `assert_eq!` panic (3 lines) or a value mismatch (under 300 bytes) fits |
//! | what the code printed, per test | [`PRINTED_BYTES`] 1 KiB, [`PRINTED_LINES`] 10 lines of [`PRINTED_LINE_BYTES`] 160 | a hint, not a log |
//! | one test's feedback | [`TEST_BYTES`] 4 KiB | CS240's largest real feedback (4 failed cases and printed text) is under 2 KiB; 4 cases at the case cap plus the printed block fit |
//! | the submission's output | [`OUTPUT_BYTES`] 64 KiB | a compile failure with rustc's first errors; rustc's own output of a broken lab file is under 20 KiB |
//! | results.json | [`RESULTS_BYTES`] 1 MiB | tests × 4 KiB (×2 for JSON escaping) + the output, for rubrics of up to ~100 tests; larger rubrics get smaller per-test shares |

/// One line of student text.
pub const LINE_BYTES: usize = 512;
/// A short text quoted in a sentence (a written answer said back).
pub const QUOTE_BYTES: usize = 80;
/// One case's failure reason (a panic message, an invalid answer).
pub const CASE_BYTES: usize = 640;
/// Lines of one case's failure reason.
pub const CASE_LINES: usize = 8;
/// What the student's code printed, as quoted in one test's feedback.
pub const PRINTED_BYTES: usize = 1024;
/// Lines of printed text quoted.
pub const PRINTED_LINES: usize = 10;
/// One line of printed text quoted.
pub const PRINTED_LINE_BYTES: usize = 160;
/// One test's whole feedback.
pub const TEST_BYTES: usize = 4 << 10;
/// The submission's top-level output (compiler messages, notes on the upload).
pub const OUTPUT_BYTES: usize = 64 << 10;
/// The whole results.json.
pub const RESULTS_BYTES: usize = 1 << 20;
/// One GitHub annotation's message.
pub const ANNOTATION_BYTES: usize = 4 << 10;

/// The largest byte index `<= i` that starts a character of `s`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest byte index `>= i` that starts a character of `s` (or its end).
fn ceil_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// `text` in at most `max` bytes: when longer, its head and tail with
/// " … (N more bytes cut) … " between them (the tail keeps what ends a
/// message, such as a panic's place). Never splits a character.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    // The note's length depends on N; 20 digits cover any usize.
    let room = max.saturating_sub(" … ( more bytes cut) … ".len() + 20);
    if room < 8 {
        return format!("… ({} more bytes cut)", text.len());
    }
    let head_end = floor_boundary(text, room * 2 / 3);
    let tail_start = ceil_boundary(text, text.len() - (room - head_end));
    let cut = tail_start - head_end;
    format!(
        "{} … ({cut} more bytes cut) … {}",
        &text[..head_end],
        &text[tail_start..]
    )
}

/// `text` in at most `max_lines` lines of at most `line_bytes` each (the
/// first lines and the last, with a note for the lines between), cleaned
/// (see [`clean`]), and at most `max` bytes in all. Reads long text once,
/// without copying it.
pub fn clip_lines(text: &str, line_bytes: usize, max_lines: usize, max: usize) -> String {
    let max_lines = max_lines.max(2);
    let mut head: Vec<&str> = Vec::new();
    let mut last: Option<&str> = None;
    let mut lines = 0usize;
    // Bytes from the end of the kept head to the start of the last line.
    let mut head_end = 0usize;
    let mut last_start = 0usize;
    let mut at = 0usize;
    for line in text.split('\n') {
        lines += 1;
        if head.len() < max_lines - 1 {
            head.push(line);
            head_end = at + line.len();
        } else {
            last = Some(line);
            last_start = at;
        }
        at += line.len() + 1;
    }
    let mut kept: Vec<String> = head
        .iter()
        .map(|l| clean(&clip(l.strip_suffix('\r').unwrap_or(l), line_bytes)))
        .collect();
    if let Some(last) = last {
        if lines > max_lines {
            let cut = last_start - head_end;
            kept.push(format!("… ({cut} more bytes cut)"));
        }
        kept.push(clean(&clip(
            last.strip_suffix('\r').unwrap_or(last),
            line_bytes,
        )));
    }
    clip(&kept.join("\n"), max)
}

/// [`clip_lines`] with the caps of one case's failure reason.
pub fn case_reason(text: &str) -> String {
    clip_lines(text, LINE_BYTES, CASE_LINES, CASE_BYTES)
}

/// [`clip_lines`] with the caps of the quoted printed text.
pub fn printed(text: &str) -> String {
    clip_lines(text, PRINTED_LINE_BYTES, PRINTED_LINES, PRINTED_BYTES)
}

/// [`clip_lines`] with the caps of the submission's output.
pub fn output(text: &str) -> String {
    clip_lines(text, LINE_BYTES, usize::MAX, OUTPUT_BYTES)
}

/// Characters that act on a terminal or reorder text: C0 and C1 controls but
/// tab and newline, DEL, bidi embeddings, overrides, isolates and marks, and
/// the line and paragraph separators.
fn is_hostile(c: char) -> bool {
    matches!(c,
        '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// `text` with every hostile character (see [`is_hostile`]) shown as U+FFFD,
/// a carriage return before a newline dropped and any other shown as a space.
/// Newlines and tabs are kept.
pub fn clean(text: &str) -> String {
    if !text.chars().any(is_hostile) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if is_hostile(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `text` quoted in one line, in double quotes: [`clip`]ped to
/// [`QUOTE_BYTES`], [`clean`], and escaped as a Rust string literal is
/// (newlines, tabs, quotes and backslashes written `\n`, `\t`, `\"`, `\\`),
/// so it cannot end the quote or the line it stands in.
pub fn quote(text: &str) -> String {
    format!("{:?}", clean(&clip(text, QUOTE_BYTES)))
}

/// A zero-width space: breaks a command marker without changing what is seen.
const BREAK: char = '\u{200b}';

/// One line for a terminal or a CI log: [`clean`], newlines and tabs shown as
/// spaces, and no GitHub workflow command anywhere (`::` and `##[` broken by
/// a zero-width space, so `::error::`, `::stop-commands::` or `##[set-output`
/// printed by a student does nothing but show).
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in clean(text).chars() {
        match c {
            '\n' | '\t' => out.push(' '),
            ':' if out.ends_with(':') => {
                out.push(BREAK);
                out.push(':');
            }
            '[' if out.ends_with("##") => {
                out.push(BREAK);
                out.push('[');
            }
            c => out.push(c),
        }
    }
    out
}

/// Several lines for a terminal or a CI log, each [`inert`].
pub fn inert_lines(text: &str) -> String {
    text.lines().map(inert).collect::<Vec<_>>().join("\n")
}

/// Text for one Markdown table cell (GitHub-flavoured): one line, [`clean`],
/// Markdown and HTML shown literally, and no link GitHub would make of a
/// bare URL, `www.` name or e-mail address.
pub fn markdown(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(' '),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '&' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            // `http://…`: an escaped colon ends the scheme's autolink.
            ':' if chars.peek() == Some(&'/') => out.push_str("\\:"),
            // `www.…`
            '.' if out
                .get(out.len().saturating_sub(3)..)
                .is_some_and(|end| end.eq_ignore_ascii_case("www")) =>
            {
                out.push_str("\\.")
            }
            // `name@host` (escaping does not stop e-mail autolinks; a break does).
            '@' => {
                out.push('@');
                out.push(BREAK);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as Gradescope's Markdown (`output_format: "md"`): its first line
/// as a paragraph when it is plain words (no Markdown, HTML, link or list
/// marker: a heading such as "3 of 4 cases passed."), then every other line
/// in one fenced code block, verbatim but [`clean`]: line breaks and
/// alignment kept, nothing in it markup (the fence is longer than any run of
/// backticks inside). Lines are unchanged, so tools reading the text
/// line by line read the same lines.
pub fn markdown_block(text: &str) -> String {
    let text = clean(text);
    let (first, rest) = match text.split_once('\n') {
        Some((first, rest)) if is_plain_line(first) => (Some(first), rest),
        None if is_plain_line(&text) => (Some(text.as_str()), ""),
        _ => (None, text.as_str()),
    };
    let mut out = first.map(str::to_string).unwrap_or_default();
    if rest.trim().is_empty() {
        return out;
    }
    let longest = rest.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(&format!(
        "{fence}\n{}\n{fence}",
        rest.trim_end_matches('\n')
    ));
    out
}

/// [`markdown_block`] in at most `max` bytes: the text [`clip`]ped first by
/// what the fences add.
pub fn markdown_within(text: &str, max: usize) -> String {
    let md = markdown_block(text);
    if md.len() <= max {
        return md;
    }
    let added = md.len().saturating_sub(text.len());
    // The clipped text's first line may read otherwise: then cut again (the
    // tail, and so the closing fence, is kept).
    clip(&markdown_block(&clip(text, max.saturating_sub(added))), max)
}

/// A line that reads the same as Markdown: words, digits and plain
/// punctuation only, no link, and no list, quote or heading marker.
fn is_plain_line(line: &str) -> bool {
    let t = line.trim_start();
    let marker = t.starts_with(['-', '+', '=', '>'])
        || t.split_once(['.', ')'])
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    !marker
        && !line.contains("://")
        && !line.to_ascii_lowercase().contains("www.")
        && line
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || ".,:;()/'\"?%+-=×÷·".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_head_and_tail_within_the_cap() {
        assert_eq!(clip("short", 10), "short");
        let long = format!("panicked: {} at src/lib.rs:34", "x".repeat(5_000_000));
        let c = clip(&long, 200);
        assert!(c.len() <= 200, "{}", c.len());
        assert!(c.starts_with("panicked: xxx"), "{c}");
        assert!(c.ends_with("at src/lib.rs:34"), "{c}");
        assert!(c.contains("more bytes cut)"), "{c}");
        // The note counts what is gone.
        let n: usize = c
            .split(" … (")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let note = format!(" … ({n} more bytes cut) … ");
        assert_eq!(c.len() - note.len() + n, long.len());
        // Multi-byte characters are never split.
        for max in 40..80 {
            let c = clip(&"é🦀".repeat(100), max);
            assert!(c.len() <= max);
        }
        assert!(clip(&"x".repeat(100), 5).contains("100 more bytes cut"));
    }

    #[test]
    fn a_quote_is_one_bounded_inert_line() {
        assert_eq!(quote("about 2"), "\"about 2\"");
        assert_eq!(quote("a\"b\nc\u{202e}"), "\"a\\\"b\\nc\u{fffd}\"");
        let long = quote(&"9".repeat(100_000));
        assert!(long.len() <= QUOTE_BYTES + 2, "{long}");
        assert!(long.contains("more bytes cut"), "{long}");
    }

    #[test]
    fn clip_lines_bounds_lines_count_and_total() {
        let many: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let c = clip_lines(&many, 100, 5, 10_000);
        let lines: Vec<&str> = c.split('\n').collect();
        assert_eq!(lines.len(), 6, "{c}");
        assert_eq!(&lines[..4], ["line 0", "line 1", "line 2", "line 3"]);
        assert!(lines[4].starts_with("… (") && lines[4].ends_with(" more bytes cut)"));
        // The text's own last line (empty: it ends in a newline).
        assert_eq!(lines[5], "");
        let wide = format!("{}\nend", "y".repeat(10_000));
        let c = clip_lines(&wide, 100, 5, 10_000);
        assert!(c.lines().next().unwrap().len() <= 100);
        assert!(c.ends_with("\nend"));
        assert!(clip_lines(&"z\n".repeat(1 << 20), 100, 1 << 30, 4096).len() <= 4096);
        assert_eq!(clip_lines("a\r\nb", 10, 5, 100), "a\nb");
    }

    #[test]
    fn clean_shows_hostile_characters() {
        assert_eq!(clean("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            clean("a\u{1b}[31mb\u{7}\u{0}c\u{9b}d\u{202e}e\u{2066}"),
            "a\u{fffd}[31mb\u{fffd}\u{fffd}c\u{fffd}d\u{fffd}e\u{fffd}"
        );
        assert_eq!(clean("x\r\ny\rz\u{2028}w"), "x\ny z w");
    }

    #[test]
    fn inert_breaks_every_workflow_command() {
        for hostile in [
            "::error::forged",
            "  ::notice title=grade::Score 100 / 100",
            "text ::stop-commands::tok",
            "##[error]forged",
            "x ##[set-output name=a;]b",
            ":::add-mask:::",
            "a\r::warning::b",
            "a\n::warning::b",
        ] {
            let line = inert(hostile);
            assert!(!line.contains("::"), "{line:?}");
            assert!(!line.contains("##["), "{line:?}");
            assert!(!line.contains(['\r', '\n', '\u{1b}']), "{line:?}");
            // Nothing but the breaks is added.
            assert_eq!(
                line.replace(BREAK, ""),
                clean(hostile).replace(['\n', '\t'], " ")
            );
        }
        assert_eq!(inert("std::vec::Vec"), "std:\u{200b}:vec:\u{200b}:Vec");
        assert_eq!(inert_lines("a::b\n##[c"), "a:\u{200b}:b\n##\u{200b}[c");
    }

    #[test]
    fn markdown_blocks_keep_every_line_and_carry_no_markup() {
        let text = "1 of 2 cases passed.\n✓ case a (x): passed\n✗ case b (y): panicked: ```\n<b>[l](http://x)</b>";
        let md = markdown_block(text);
        assert!(
            md.starts_with("1 of 2 cases passed.\n\n````\n✓ case a"),
            "{md}"
        );
        assert!(md.ends_with("</b>\n````"), "{md}");
        // Every line of the text is a line of the block, unchanged.
        for line in text.lines() {
            assert!(md.lines().any(|l| l == line), "{line}");
        }
        // A first line with markup goes in the block too.
        let md = markdown_block("see [x](http://y)\nmore");
        assert!(md.starts_with("```\nsee [x](http://y)\nmore\n```"), "{md}");
        assert_eq!(
            markdown_block("Not graded: no lib.rs found"),
            "Not graded: no lib.rs found"
        );
        assert!(markdown_block("1. item").starts_with("```"));
        assert_eq!(markdown_block(""), "");
        let long = format!("1 of 2 cases passed.\n{}", "x".repeat(10_000));
        let md = markdown_within(&long, 4096);
        assert!(md.len() <= 4096 && md.ends_with("\n```"), "{}", md.len());
    }

    #[test]
    fn markdown_cells_carry_no_markup_html_or_links() {
        assert_eq!(
            markdown("<img src=x onerror=alert(1)> ![i](http://e/i.png) [l](u)"),
            "\\<img src=x onerror=alert(1)\\> \\!\\[i\\](http\\://e/i.png) \\[l\\](u)"
        );
        assert_eq!(markdown("a|b\nc"), "a\\|b c");
        assert_eq!(
            markdown("see www.evil.com or WWW.x.y"),
            "see www\\.evil.com or WWW\\.x.y"
        );
        assert_eq!(markdown("me@host.com"), "me@\u{200b}host.com");
        assert_eq!(markdown("&lt;b&gt; $x$"), "\\&lt;b\\&gt; \\$x\\$");
        assert_eq!(markdown("src/lib.rs:12:5"), "src/lib.rs:12:5");
        assert_eq!(markdown("\u{1b}[2J"), "\u{fffd}\\[2J");
        assert_eq!(markdown("✗.é.www.x"), "✗.é.www\\.x");
    }
}
