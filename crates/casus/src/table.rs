//! The one table writer: every aligned table Casus prints (`casus eval`, the listings, the
//! graph analyses, `verify` and `diff`) goes through [`table`], and so follows one width policy;
//! a table too large to hold (`casus graph --full`) is written row by row by [`write_rows`],
//! line for line what [`table`] makes at full width.
//!
//! By default a table fits [`DEFAULT_WIDTH`] columns: when its natural width is larger, the
//! widest columns are narrowed one character at a time and their cells wrapped at word
//! boundaries onto continuation lines, so that nothing is cut off. [`Width::Full`] (the CLI's
//! `--wide`) prints every cell on one line however wide the table becomes.

/// The width a table fits by default, in characters.
pub const DEFAULT_WIDTH: usize = 100;

/// No column is narrowed below this many characters (or its header, or its widest cell, if
/// narrower), so that short ids are never broken.
const MIN_COLUMN: usize = 12;

/// Columns are separated by this many spaces.
const GAP: usize = 2;

/// How wide a table may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Fit this many characters, wrapping long cells at word boundaries.
    Fit(usize),
    /// Every cell on one line, however wide.
    Full,
}

impl Default for Width {
    fn default() -> Self {
        Width::Fit(DEFAULT_WIDTH)
    }
}

impl Width {
    /// `Full` when `wide` is set, else the default.
    #[must_use]
    pub fn wide(wide: bool) -> Width {
        if wide { Width::Full } else { Width::default() }
    }

    /// The width left for a table printed after `indent` characters of indentation.
    #[must_use]
    pub fn indented(self, indent: usize) -> Width {
        match self {
            Width::Fit(n) => Width::Fit(n.saturating_sub(indent)),
            Width::Full => Width::Full,
        }
    }

    /// The line length to fit, `None` for unlimited.
    #[must_use]
    pub fn columns(self) -> Option<usize> {
        match self {
            Width::Fit(n) => Some(n),
            Width::Full => None,
        }
    }
}

/// An aligned table: a header row and rows, columns two spaces apart, no trailing spaces.
/// Within [`Width::Fit`], the widest columns wrap at word boundaries (a word longer than its
/// column is split) onto continuation lines; no text is dropped.
///
/// ```
/// use casus::table::{Width, table};
/// let rows = vec![vec!["EST".to_string(), "one two three four".to_string()]];
/// assert_eq!(table(&["ID", "NOTE"], &rows, Width::Full), "ID   NOTE\nEST  one two three four\n");
/// assert_eq!(
///     table(&["ID", "NOTE"], &rows, Width::Fit(19)),
///     "ID   NOTE\nEST  one two three\n     four\n"
/// );
/// ```
#[must_use]
pub fn table(header: &[&str], rows: &[Vec<String>], width: Width) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    if let Some(limit) = width.columns() {
        // First without breaking a word, then down to the floor.
        let mut word: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate() {
                let longest = c.split(' ').map(|x| x.chars().count()).max().unwrap_or(0);
                if let Some(x) = word.get_mut(i) {
                    *x = (*x).max(longest);
                }
            }
        }
        let floor: Vec<usize> = w.iter().zip(&word).map(|(n, x)| (*n).min(*x)).collect();
        fit(&mut w, &floor, limit);
        let floor: Vec<usize> = w
            .iter()
            .zip(header)
            .map(|(n, h)| (*n).min(MIN_COLUMN.max(h.chars().count())))
            .collect();
        fit(&mut w, &floor, limit);
    }
    let mut s = String::new();
    let header_row: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    for r in std::iter::once(&header_row).chain(rows) {
        let cells: Vec<Vec<String>> = r
            .iter()
            .enumerate()
            .map(|(i, c)| wrap(c, w.get(i).copied().unwrap_or(usize::MAX)))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                let width = w.get(i).copied().unwrap_or(0);
                let text = c.get(k).map_or("", String::as_str);
                l.push_str(text);
                let pad = width.saturating_sub(text.chars().count()) + GAP;
                l.extend(std::iter::repeat_n(' ', pad));
            }
            s.push_str(l.trim_end());
            s.push('\n');
        }
    }
    s
}

/// An aligned table at full width written row by row: the lines of [`table`] with
/// [`Width::Full`], made without holding the rows. `rows` is called twice, once to measure the
/// columns and once to write each line as it is made, so a table of a million rows costs one
/// line of memory.
///
/// # Errors
///
/// A write error of `out`.
///
/// ```
/// use casus::table::{Width, table, write_rows};
/// let rows = vec![vec!["EST".to_string(), "one two".to_string()], vec!["LATVIA".to_string(), "x".to_string()]];
/// let mut out = Vec::new();
/// write_rows(&["ID", "NOTE"], || rows.iter(), &mut out)?;
/// assert_eq!(String::from_utf8(out)?, table(&["ID", "NOTE"], &rows, Width::Full));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_rows<I>(header: &[&str], rows: impl Fn() -> I, out: &mut dyn std::io::Write) -> std::io::Result<()>
where
    I: IntoIterator,
    I::Item: AsRef<[String]>,
{
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows() {
        for (x, cell) in w.iter_mut().zip(r.as_ref()) {
            *x = (*x).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (c, n)) in cells.iter().zip(&w).enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                let pad = n.saturating_sub(c.chars().count()) + GAP;
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let mut s = s.trim_end().to_string();
        s.push('\n');
        s
    };
    let header: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    out.write_all(line(&header).as_bytes())?;
    for r in rows() {
        out.write_all(line(r.as_ref()).as_bytes())?;
    }
    Ok(())
}

/// Narrows the widest columns until the table fits `limit` or no column can narrow below its
/// `floor`.
fn fit(w: &mut [usize], floor: &[usize], limit: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    while total(w) > limit {
        // The widest column that may still narrow; on a tie, the rightmost (descriptions sit
        // at the right, ids at the left).
        let pick = w
            .iter()
            .zip(floor)
            .enumerate()
            .filter(|(_, (n, f))| n > f)
            .max_by_key(|(i, (n, _))| (**n, *i))
            .map(|(i, _)| i);
        match pick.and_then(|i| w.get_mut(i)) {
            Some(n) => *n -= 1,
            None => break,
        }
    }
}

/// Splits text into lines of at most `width` characters, breaking at spaces; a word longer
/// than `width` is split. Empty text is one empty line.
///
/// ```
/// assert_eq!(casus::table::wrap("ALB BEL BGR CAN", 8), ["ALB BEL", "BGR CAN"]);
/// ```
#[must_use]
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    if text.chars().count() <= width {
        return vec![text.to_string()];
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut chars: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + chars.len() <= width {
            line.push(' ');
            line.extend(&chars);
            len += 1 + chars.len();
            continue;
        }
        if len > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while chars.len() > width {
            let rest = chars.split_off(width);
            lines.push(chars.into_iter().collect());
            chars = rest;
        }
        len = chars.len();
        line = chars.into_iter().collect();
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A paragraph: `first` prefixes the first line and `rest` every continuation line, the text
/// wrapped so that every line, prefix included, fits `width` (unwrapped for [`Width::Full`]).
/// Ends with a newline.
///
/// ```
/// use casus::table::{Width, paragraph};
/// assert_eq!(paragraph("  ", "    ", "one two three", Width::Fit(11)), "  one two\n    three\n");
/// ```
#[must_use]
pub fn paragraph(first: &str, rest: &str, text: &str, width: Width) -> String {
    let Some(limit) = width.columns() else {
        return format!("{first}{text}\n");
    };
    let room = limit.saturating_sub(rest.chars().count().max(first.chars().count()));
    let mut s = String::new();
    for (i, l) in wrap(text, room).iter().enumerate() {
        s.push_str(if i == 0 { first } else { rest });
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Text whose lines longer than `width` are wrapped, each continuation indented four more
/// than its line; lines that fit (table rows among them) are unchanged.
///
/// ```
/// use casus::table::{Width, fit_lines};
/// assert_eq!(fit_lines("a\n  one two three\n", Width::Fit(13)), "a\n  one two\n      three\n");
/// ```
#[must_use]
pub fn fit_lines(text: &str, width: Width) -> String {
    text.lines()
        .map(|l| {
            let indent = l.len() - l.trim_start_matches(' ').len();
            let first = " ".repeat(indent);
            paragraph(&first, &" ".repeat(indent + 4), l.trim_start_matches(' '), width)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_one_by_one_are_the_full_width_table() {
        let check = |header: &[&str], rows: &[&[&str]]| {
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_string()).collect())
                .collect();
            let mut out = Vec::new();
            assert!(write_rows(header, || rows.iter(), &mut out).is_ok());
            assert_eq!(
                String::from_utf8_lossy(&out),
                table(header, &rows, Width::Full),
                "{rows:?}"
            );
        };
        check(&["ID", "NOTE"], &[]);
        check(&["ID", "NOTE"], &[&["EST", "one two"], &["LATVIA", ""]]);
        check(
            &["A", "B", "C"],
            &[&["Şanlıurfa", "", "x"], &["", "yy", ""], &["z", "Côte d'Ivoire", "w "]],
        );
    }

    fn check(header: &[&str], rows: &[&[&str]], width: Width, expected: &str) {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| (*c).to_string()).collect())
            .collect();
        assert_eq!(table(header, &rows, width), expected);
    }

    #[test]
    fn a_narrow_table_is_unchanged() {
        check(&["A", "B"], &[&["x", "y"]], Width::Fit(10), "A  B\nx  y\n");
    }

    #[test]
    fn the_widest_column_wraps_and_nothing_is_lost() {
        let long = "alpha beta gamma delta epsilon zeta eta theta";
        let out = table(&["ID", "TEXT"], &[vec!["X".into(), long.into()]], Width::Fit(24));
        assert!(out.lines().all(|l| l.chars().count() <= 24), "{out}");
        let words: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(
            words,
            [
                "ID", "TEXT", "X", "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"
            ]
        );
    }

    #[test]
    fn ids_below_the_floor_are_never_broken() {
        check(
            &["ID", "NAME"],
            &[&["UA-09-OCC", "Luhansk"]],
            Width::Fit(5),
            "ID         NAME\nUA-09-OCC  Luhansk\n",
        );
    }

    #[test]
    fn full_width_never_wraps() {
        let long = "word ".repeat(40);
        let out = table(&["T"], &[vec![long.trim().into()]], Width::Full);
        assert_eq!(out.lines().count(), 2);
    }

    #[test]
    fn a_long_word_is_split() {
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
    }
}
