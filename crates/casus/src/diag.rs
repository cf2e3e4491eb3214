//! Diagnostics: what is wrong in which file, at which line and column, and how to fix it.
//!
//! Every stage (reading, parsing, validating) adds to one [`Diagnostics`] list instead of
//! stopping at the first problem, so that a user sees everything wrong with a rule set at once.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The rule set cannot be used.
    Error,
    /// Suspicious but usable.
    Warning,
    /// For information (a skipped file, a nested rule set).
    Note,
}

/// A place in a source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// Byte offset in the file, when known.
    #[serde(skip)]
    pub offset: Option<usize>,
    /// Length in bytes of the offending value, when known.
    #[serde(skip)]
    pub len: usize,
}

impl Position {
    /// The text of this position's line in `src`, without its line end.
    ///
    /// Found from the byte offset when it agrees with the column (the cost of one line, so that
    /// rendering thousands of diagnostics of one large file stays linear), else by counting
    /// lines from the start.
    fn line_in<'s>(&self, src: &'s str) -> Option<&'s str> {
        if self.line == 0 {
            return None;
        }
        if let Some(off) = self.offset
            && let (Some(before), Some(after)) = (src.get(..off), src.get(off..))
        {
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let col = before.get(start..).map_or(0, |b| b.chars().count() + 1);
            if col == self.column as usize {
                let end = after.find('\n').map_or(src.len(), |i| off + i);
                return src.get(start..end).map(|l| l.trim_end_matches('\r'));
            }
        }
        src.lines().nth(self.line as usize - 1)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
        }
    }
}

/// One problem found while loading.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// A stable short code (`unknown-party`, `syntax`, `date-order`, …).
    pub code: &'static str,
    /// What is wrong, in lower case, naming the offending key or value.
    pub message: String,
    /// Where.
    pub position: Position,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The text of the file, for rendering a snippet.
    #[serde(skip)]
    pub source: Option<Arc<str>>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        let message = crate::text::visible(&self.message);
        write!(f, "{}: {sev}[{}]: {message}", self.position, self.code)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {}", crate::text::visible(h))?;
        }
        Ok(())
    }
}

/// Every diagnostic of a load, in file order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// All of them.
    #[must_use]
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Whether any is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The number of errors.
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// Sorts by file, line, column (stable), for deterministic output.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.position.file, a.position.line, a.position.column).cmp(&(
                &b.position.file,
                b.position.line,
                b.position.column,
            ))
        });
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Builds diagnostics for one file.
#[derive(Debug, Clone)]
pub(crate) struct FileCtx {
    pub path: PathBuf,
    /// The file's text, while it is held (see [`FileCtx::let_go`]).
    pub source: Option<Arc<str>>,
    /// The text once let go of: read again from `path` by the first diagnostic that needs it.
    later: Option<Arc<Later>>,
}

/// A file's text that was let go of after a parse without diagnostics: what identifies it,
/// and the text once read again.
#[derive(Debug)]
struct Later {
    len: u64,
    hash: blake3::Hash,
    text: OnceLock<Option<Arc<str>>>,
}

impl FileCtx {
    pub fn new(path: &Path, source: Option<Arc<str>>) -> Self {
        FileCtx {
            path: path.to_path_buf(),
            source,
            later: None,
        }
    }

    /// Lets the text of a file read from `path` go: a diagnostic made later reads the file
    /// again, and shows its snippet only if the text is the one parsed (same length and
    /// hash). A large rule set keeps no copy of its sources for the few files with a
    /// diagnostic after parsing.
    pub fn let_go(&mut self) {
        if let Some(text) = self.source.take() {
            self.later = Some(Arc::new(Later {
                len: text.len() as u64,
                hash: blake3::hash(text.as_bytes()),
                text: OnceLock::new(),
            }));
        }
    }

    /// The file's text, held or read again, if at hand.
    pub fn text(&self) -> Option<Arc<str>> {
        if let Some(text) = &self.source {
            return Some(Arc::clone(text));
        }
        let later = self.later.as_ref()?;
        later.text.get_or_init(|| later.read(&self.path)).clone()
    }

    /// The length of the file's text in bytes, held or let go of (0 when never read).
    #[cfg(any(feature = "verify", test))]
    pub fn text_len(&self) -> u64 {
        match (&self.source, &self.later) {
            (Some(text), _) => text.len() as u64,
            (None, Some(later)) => later.len,
            (None, None) => 0,
        }
    }

    pub fn at(&self, loc: &crate::model::Location) -> Position {
        Position {
            file: self.path.clone(),
            line: u32::try_from(loc.line()).unwrap_or(0),
            column: u32::try_from(loc.column()).unwrap_or(0),
            offset: loc.byte_offset(),
            len: loc.byte_len().map_or(1, |l| l.max(1)),
        }
    }

    pub fn whole(&self) -> Position {
        Position {
            file: self.path.clone(),
            line: 0,
            column: 0,
            offset: None,
            len: 0,
        }
    }

    pub fn error(&self, code: &'static str, pos: Position, message: String, help: Option<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message,
            position: pos,
            help,
            source: self.text(),
        }
    }
}

impl Later {
    /// The text at `path` if it is still the one let go of.
    fn read(&self, path: &Path) -> Option<Arc<str>> {
        crate::load::read_again(path, self.len, &self.hash)
    }
}

/// The closest candidate to a misspelled name, if one is close enough.
///
/// ```
/// let c = ["GBR", "USA", "FRA"];
/// assert_eq!(casus::names::suggest("GRB", c.iter().copied()), Some("GBR".to_string()));
/// assert_eq!(casus::names::suggest("XYZQW", c.iter().copied()), None);
/// ```
///
/// Words longer than 64 characters get no suggestion: no id is that long, and the cost of
/// comparing grows with the product of the lengths, so a megabyte-long input must not be compared
/// at all.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    const LONGEST: usize = 64;
    let chars = word.chars().count();
    if chars > LONGEST {
        return None;
    }
    let lower = word.to_lowercase();
    let limit = (chars.max(3) / 3).max(1) + usize::from(word.len() > 5);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        // The distance is at least the difference in length: skip hopeless candidates cheaply
        // (a megabyte-long unknown id must not cost a megabyte-sized table per candidate).
        if c.len() > 4 * (LONGEST + limit) || c.chars().count().abs_diff(chars) > limit {
            continue;
        }
        let d = distance(&lower, &c.to_lowercase());
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// Optimal string alignment distance (Levenshtein with transpositions).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let get = |v: &Vec<usize>, k: usize| v.get(k).copied().unwrap_or(usize::MAX / 2);
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let mut best = (get(&d, at(i - 1, j)) + 1)
                .min(get(&d, at(i, j - 1)) + 1)
                .min(get(&d, at(i - 1, j - 1)) + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                best = best.min(get(&d, at(i - 2, j - 2)) + 1);
            }
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = best;
            }
        }
    }
    d.get(at(a.len(), b.len())).copied().unwrap_or(usize::MAX)
}

impl Diagnostic {
    /// The diagnostic with the offending line of the file and a caret under the column:
    /// `file:line:col: error[code]: message`, the snippet, then `help:`.
    ///
    /// ```
    /// let err = casus::RuleSet::from_yaml("parties:\n  - id: USA\n    nmae: x\n").unwrap_err();
    /// let text = err.diagnostics.items()[0].render();
    /// assert!(text.starts_with("<rules>:3:5: error[unknown-key]: unknown key `nmae`"));
    /// assert!(text.contains("3 |     nmae: x"));
    /// ```
    #[must_use]
    pub fn render(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        let message = crate::text::visible(&self.message);
        let mut s = format!("{}: {sev}[{}]: {message}\n", self.position, self.code);
        if let Some(line) = self.source.as_deref().and_then(|src| self.position.line_in(src)) {
            let n = self.position.line.to_string();
            let pad = " ".repeat(n.len());
            let caret_at = (self.position.column as usize).saturating_sub(1);
            let shown: String = line.chars().take(200).collect();
            let shown = crate::text::visible(&shown);
            s.push_str(&format!(
                "{pad} |\n{n} | {shown}\n{pad} | {}^\n",
                " ".repeat(caret_at.min(200))
            ));
        }
        if let Some(h) = &self.help {
            s.push_str(&format!("  help: {}\n", crate::text::visible(h)));
        }
        s
    }
}

#[cfg(feature = "miette")]
mod miette_impl {
    use super::{Diagnostic, Severity};

    /// A diagnostic as a `miette` report, with its source snippet and help.
    #[derive(Debug)]
    pub struct Report<'a>(pub &'a Diagnostic);

    impl std::fmt::Display for Report<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0.message)
        }
    }

    impl std::error::Error for Report<'_> {}

    impl miette::Diagnostic for Report<'_> {
        fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
            Some(Box::new(self.0.code))
        }
        fn severity(&self) -> Option<miette::Severity> {
            Some(match self.0.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            })
        }
        fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
            self.0.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
        }
        fn source_code(&self) -> Option<&dyn miette::SourceCode> {
            self.0.source.as_ref().map(|s| s as &dyn miette::SourceCode)
        }
        fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
            let off = self.0.position.offset?;
            let label = miette::LabeledSpan::at(off..off + self.0.position.len, format!("{}", self.0.position));
            Some(Box::new(std::iter::once(label)))
        }
    }
}

#[cfg(feature = "miette")]
pub use miette_impl::Report;

#[cfg(test)]
mod tests {
    use super::*;

    fn check(word: &str, expected: Option<&str>) {
        let c = [
            "GBR",
            "USA",
            "FRA",
            "armed_attack",
            "north_america",
            "requested",
            "UA-43",
        ];
        assert_eq!(suggest(word, c.iter().copied()).as_deref(), expected, "{word}");
    }

    #[test]
    fn suggestions() {
        check("GRB", Some("GBR"));
        check("usa", Some("USA"));
        check("armed_atack", Some("armed_attack"));
        check("north_amerca", Some("north_america"));
        check("requestd", Some("requested"));
        check("UA-34", Some("UA-43"));
        check("zzz", None);
        check("completely_different", None);
    }

    /// A text let go of is read again from its file while the file holds that text, and not
    /// once the file has changed (a snippet of other text would point at the wrong line).
    #[test]
    fn text_let_go_is_read_again_only_while_unchanged() {
        let path = std::env::temp_dir().join(format!("casus-let-go-{}.yaml", std::process::id()));
        let text = "parties:\n  - {id: FRA, name: France}\n";
        assert!(std::fs::write(&path, text).is_ok());
        let mut ctx = FileCtx::new(&path, Some(text.into()));
        ctx.let_go();
        assert!(ctx.source.is_none());
        assert_eq!(ctx.text_len(), text.len() as u64);
        assert_eq!(ctx.text().as_deref(), Some(text));
        let mut changed = FileCtx::new(&path, Some(text.into()));
        changed.let_go();
        assert!(std::fs::write(&path, "parties:\n  - {id: FRA, name: Frankreich}\n").is_ok());
        assert_eq!(changed.text(), None);
        let _ = std::fs::remove_file(&path);
    }
}
