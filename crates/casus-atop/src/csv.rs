//! A small reader for the comma-separated exports of ATOP: RFC 4180 fields (quotes, doubled
//! quotes, commas and line breaks inside quotes), LF or CRLF line ends, an optional byte-order
//! mark. No CSV crate is among the project's dependencies, and the ATOP files need no more.
//! Fields borrow from the text unless a doubled quote has to be undone.

use std::borrow::Cow;

/// One record with the line it starts on (1-based; the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record<'a> {
    pub line: usize,
    pub fields: Vec<Cow<'a, str>>,
}

/// Splits `text` into records; blank lines are skipped. A quote left open at the end of the
/// text is an error at the line where its record began; the records before it are returned
/// with it.
pub(super) fn records(text: &str) -> (Vec<Record<'_>>, Option<(usize, String)>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut line = 1usize;
    while pos < text.len() {
        let start_line = line;
        let mut fields = Vec::new();
        loop {
            let rest = text.get(pos..).unwrap_or("");
            let (field, used, newlines, end) = if rest.starts_with('"') {
                match quoted(rest) {
                    Some(x) => x,
                    None => return (out, Some((start_line, "a quoted field is not closed".into()))),
                }
            } else {
                let k = rest.find([',', '\n']).unwrap_or(rest.len());
                let raw = rest.get(..k).unwrap_or("");
                (
                    Cow::Borrowed(raw.strip_suffix('\r').unwrap_or(raw)),
                    k,
                    0,
                    rest.get(k..k + 1),
                )
            };
            fields.push(field);
            line += newlines;
            pos += used;
            match end {
                Some(",") => pos += 1,
                Some("\n") => {
                    pos += 1;
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        let blank = matches!(fields.as_slice(), [f] if f.is_empty());
        if !blank {
            out.push(Record {
                line: start_line,
                fields,
            });
        }
    }
    (out, None)
}

/// A quoted field at the start of `rest`: its value, the bytes it spans (up to the next
/// delimiter), the line breaks inside it, and the delimiter that follows (`,`, `\n` or none).
/// Text between the closing quote and the delimiter is kept, as most readers do.
fn quoted(rest: &str) -> Option<(Cow<'_, str>, usize, usize, Option<&str>)> {
    let body = rest.get(1..)?;
    let mut value: Option<String> = None;
    let mut from = 0usize;
    let mut i = 0usize;
    loop {
        let j = i + body.get(i..)?.find('"')?;
        if body.get(j + 1..j + 2) == Some("\"") {
            let v = value.get_or_insert_with(String::new);
            v.push_str(body.get(from..=j)?);
            i = j + 2;
            from = i;
            continue;
        }
        let inner = body.get(from..j)?;
        let after = body.get(j + 1..)?;
        let k = after.find([',', '\n']).unwrap_or(after.len());
        let tail = after.get(..k)?;
        let tail = tail.strip_suffix('\r').unwrap_or(tail);
        let field = match value {
            Some(mut v) => {
                v.push_str(inner);
                v.push_str(tail);
                Cow::Owned(v)
            }
            None if tail.is_empty() => Cow::Borrowed(body.get(..j)?),
            None => Cow::Owned(format!("{}{tail}", body.get(..j)?)),
        };
        let newlines = body.get(..j)?.matches('\n').count();
        return Some((field, 1 + j + 1 + k, newlines, after.get(k..k + 1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &[Record<'_>], i: usize) -> Vec<String> {
        r.get(i)
            .map(|x| x.fields.iter().map(|f| f.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn splits_plain_and_quoted_fields_and_counts_lines() {
        let (r, err) = records("\u{feff}a,b,c\r\n1,\"x,\"\"y\"\"\",3\n\n4,\"multi\nline\",6\n7,,\n\"q\"\r\n");
        assert!(err.is_none());
        let lines: Vec<usize> = r.iter().map(|x| x.line).collect();
        assert_eq!(lines, vec![1, 2, 4, 6, 7]);
        assert_eq!(fields(&r, 0), vec!["a", "b", "c"]);
        assert_eq!(fields(&r, 1), vec!["1", "x,\"y\"", "3"]);
        assert_eq!(fields(&r, 2), vec!["4", "multi\nline", "6"]);
        assert_eq!(fields(&r, 3), vec!["7", "", ""]);
        assert_eq!(fields(&r, 4), vec!["q"]);
    }

    #[test]
    fn a_last_line_without_a_line_break_is_a_record() {
        let (r, err) = records("a,b\n1,2");
        assert!(err.is_none());
        assert_eq!(fields(&r, 1), vec!["1", "2"]);
    }

    #[test]
    fn an_open_quote_is_reported_at_its_record() {
        let (r, err) = records("a,b\n1,2\n3,\"open\n");
        assert_eq!(r.len(), 2);
        assert_eq!(err.map(|e| e.0), Some(3));
    }
}
