//! Text that reaches a terminal: what a name or note may contain, and how text from a file is
//! shown when it must be echoed (an error about a bad id).
//!
//! Rule files come from many hands. A name holding `ESC [31m` or `ESC ]0;title BEL` would
//! recolour or retitle the terminal of whoever prints a table; a right-to-left override would
//! make `USA` read as something else; a zero-width space makes two ids that look alike differ.
//! The loader refuses such text in rule files ([`problem`]); what must be echoed anyway is
//! shown with every such character written out ([`visible`]).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that change how the text around them is drawn without being seen themselves:
/// the bidirectional embeddings, overrides and isolates, and the zero-width space, no-break
/// and word joiner (the zero-width joiner and non-joiner stay: several scripts need them).
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Whether `c` must be written out when echoed: a control character (C0, DEL, C1) or an
/// invisible formatting one.
fn hidden(c: char) -> bool {
    c.is_control() || invisible(c)
}

/// What is wrong with a name (`one_line`) or a note, or `None`: a control character other than
/// a line break or tab in a note, any control character in a name, a direction override or
/// zero-width character anywhere, or a name with nothing visible in it.
#[must_use]
pub(crate) fn problem(text: &str, one_line: bool) -> Option<String> {
    let bad = text
        .chars()
        .find(|&c| invisible(c) || (c.is_control() && (one_line || !matches!(c, '\n' | '\t' | '\r'))));
    if let Some(c) = bad {
        return Some(format!("contains the invisible character U+{:04X}", u32::from(c)));
    }
    if one_line
        && text
            .chars()
            .all(|c| c.is_whitespace() || c == '\u{200C}' || c == '\u{200D}')
    {
        return Some("is empty".into());
    }
    None
}

/// `text` with every control or invisible formatting character written as `\u{XXXX}` (and
/// a backslash as `\\` where that could be mistaken for one), for echoing input in an error or
/// a table. Plain text comes back unchanged and unallocated.
///
/// ```
/// assert_eq!(casus::report::visible("USA"), "USA");
/// assert_eq!(casus::report::visible("A\u{1b}[31mB"), "A\\u{1b}[31mB");
/// assert_eq!(casus::report::visible("two\nlines"), "two\\u{a}lines");
/// ```
#[must_use]
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_notes() {
        let check = |text: &str, one_line: bool, expected: Option<&str>| {
            assert_eq!(problem(text, one_line).as_deref(), expected, "{text:?}");
        };
        check("Åland", true, None);
        check("Côte d\u{2019}Ivoire", true, None);
        check("می\u{200C}شود", true, None);
        check("A\u{1b}[31mB", true, Some("contains the invisible character U+001B"));
        check(
            "title\u{1b}]0;x\u{7}",
            false,
            Some("contains the invisible character U+001B"),
        );
        check("two\nlines", true, Some("contains the invisible character U+000A"));
        check("two\nlines", false, None);
        check("AAA\u{200b}", true, Some("contains the invisible character U+200B"));
        check("\u{202E}ASU", false, Some("contains the invisible character U+202E"));
        check("   ", true, Some("is empty"));
        check("", true, Some("is empty"));
    }
}
