//! Positions, tokens and file URIs: the conversions between the library's byte offsets and
//! the protocol's lines and UTF-16 columns.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, Range, Uri};

/// The start of every line of a text, for converting byte offsets to positions and back.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// The lines of `text`.
    #[must_use]
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    /// The protocol position of byte `offset` in `text` (columns in UTF-16 code units).
    #[must_use]
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column: usize = text.get(start..offset).map_or(0, |s| s.encode_utf16().count());
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// The range of bytes `start..end`.
    #[must_use]
    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of a protocol position (clamped to its line).
    #[must_use]
    pub fn offset(&self, text: &str, at: Position) -> usize {
        let Some(&start) = self.starts.get(at.line as usize) else {
            return text.len();
        };
        let end = self.starts.get(at.line as usize + 1).copied().unwrap_or(text.len());
        let line = text.get(start..end).unwrap_or("");
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= at.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

/// Whether `c` can be part of an id (`USA`, `US-HI`, `nato`, `art5`, `nato/art4`, `1914.x`).
#[must_use]
pub fn id_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// The id-like word around byte `offset`, with its byte span.
#[must_use]
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize, &str)> {
    let before = text.get(..offset)?;
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !id_char(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let after = text.get(offset..)?;
    let end = offset + after.find(|c: char| !id_char(c)).unwrap_or(after.len());
    let word = text.get(start..end)?;
    (!word.is_empty()).then_some((start, end, word))
}

/// Every occurrence of `id` in `text` that stands as a whole YAML scalar or key: bounded by
/// characters that cannot be part of an id, and outside comments. Free text (a name, a note)
/// holds more than one word and so never matches.
#[must_use]
pub fn occurrences(text: &str, id: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = comment_free(line);
        for (i, _) in code.match_indices(id) {
            let end = i + id.len();
            let before = code.get(..i).unwrap_or("");
            let after = code.get(end..).unwrap_or("");
            if before.chars().next_back().is_some_and(id_char) || after.chars().next().is_some_and(id_char) {
                continue;
            }
            let lead = before.trim_end();
            let trail = after.trim_start();
            let opens = lead.is_empty() || lead.ends_with([':', '[', ',', '{', '-']);
            let closes = trail.is_empty() || trail.starts_with([',', ']', '}', ':']);
            if opens && closes {
                found.push((line_start + i, line_start + end));
            }
        }
        line_start += line.len();
    }
    found
}

/// A line without its comment (a `#` at the start or after a space, outside quotes).
fn comment_free(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() => return line.get(..i).unwrap_or(line),
            _ => {}
        }
        prev = c;
    }
    line
}

/// The key of the mapping entry a line holds (`level` in `  - level: assist`), if any.
#[must_use]
pub fn key_of_line(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let (key, _) = t.split_once(':')?;
    key.chars().all(|c| c.is_alphanumeric() || c == '_').then_some(key)
}

/// The `file://` URI of a path.
#[must_use]
pub fn uri_of(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).ok()
}

/// The path of a `file://` URI.
#[must_use]
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let mut bytes = Vec::with_capacity(rest.len());
    let mut it = rest.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: String = it.by_ref().take(2).map(char::from).collect();
            bytes.push(u8::from_str_radix(&hex, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    Some(PathBuf::from(String::from_utf8(bytes).ok()?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn occurrences_are_whole_scalars_outside_comments() {
        let text = "sovereign: USA\ntags: [USA, USAF]\nname: USA and friends\n# USA\nfacts: {USA: true}\n";
        let found: Vec<&str> = occurrences(text, "USA").iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(occurrences(text, "USA")[0], (11, 14));
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "name: Côte\nid: CIV\n";
        let lines = Lines::new(text);
        let at = text.find("CIV").unwrap();
        assert_eq!(lines.position(text, at), Position::new(1, 4));
        assert_eq!(lines.offset(text, Position::new(1, 4)), at);
        // Byte 10 lies after "Côt": the two-byte ô is one UTF-16 unit, so it is column 9.
        assert_eq!(lines.position(text, 10), Position::new(0, 9));
    }

    #[test]
    fn uris_and_paths_round_trip() {
        let p = Path::new("/tmp/a b/ü.yaml");
        let uri = uri_of(p).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%BC.yaml");
        assert_eq!(path_of(&uri).as_deref(), Some(p));
    }

    #[test]
    fn words_and_keys() {
        assert_eq!(word_at("  - party: US-HI\n", 13).map(|w| w.2), Some("US-HI"));
        assert_eq!(key_of_line("  - level: assist"), Some("level"));
        assert_eq!(key_of_line("plain text"), None);
    }
}
