//! The brief as Markdown or as one self-contained HTML page: both written from the same
//! blocks, so that they say the same thing.

use std::fmt::Write as _;

use crate::verify::Outcome;

use super::{Brief, BriefRow, Differences, PropertyLine};

/// A part of the page.
enum Block {
    Title(String),
    Heading(String),
    Text(String),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

impl Brief {
    /// The brief in Markdown (GitHub tables).
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        for b in self.blocks() {
            match b {
                Block::Title(t) => {
                    let _ = writeln!(s, "# {}\n", md(&t));
                }
                Block::Heading(t) => {
                    let _ = writeln!(s, "## {}\n", md(&t));
                }
                Block::Text(t) => {
                    let _ = writeln!(s, "{}\n", md(&t));
                }
                Block::Table { header, rows } => {
                    s.push_str(&md_row(&header));
                    s.push_str(&md_row(&header.iter().map(|_| "---".to_string()).collect::<Vec<_>>()));
                    for r in &rows {
                        s.push_str(&md_row(r));
                    }
                    s.push('\n');
                }
            }
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    }

    /// The brief as one HTML page: inline style, no script, nothing fetched, laid out to print
    /// on one A4 page for a small draft.
    #[must_use]
    pub fn to_html(&self) -> String {
        let mut s = String::from(HTML_HEAD);
        let mut title = true;
        for b in self.blocks() {
            match b {
                Block::Title(t) => {
                    if title {
                        s = s.replacen("<title></title>", &format!("<title>{}</title>", html(&t)), 1);
                        title = false;
                    }
                    let _ = writeln!(s, "<h1>{}</h1>", html(&t));
                }
                Block::Heading(t) => {
                    let _ = writeln!(s, "<h2>{}</h2>", html(&t));
                }
                Block::Text(t) => {
                    let _ = writeln!(s, "<p>{}</p>", html(&t));
                }
                Block::Table { header, rows } => html_table(&mut s, &header, &rows),
            }
        }
        s.push_str("</body>\n</html>\n");
        s
    }

    fn blocks(&self) -> Vec<Block> {
        let mut out = vec![
            Block::Title(format!("Brief: {}", self.rules)),
            Block::Text(format!(
                "Attacks on {} ({}) on {}. Each row is one attack (attackers whose attacks oblige alike share a row); casus eval gives the full verdict of each, clause by clause.",
                self.target_name, self.target, self.date
            )),
            Block::Heading("Who must respond".into()),
        ];
        let (rows, legend) = matrix(&self.rows);
        out.push(Block::Table {
            header: [
                "Attack",
                "Where",
                "Attacker",
                "Who is obliged",
                "Level",
                "Form",
                "By when",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        });
        if !legend.is_empty() {
            out.push(Block::Text(format!("Forms: {}.", legend.join("; "))));
        }
        if !self.properties.is_empty() {
            out.push(Block::Heading("What the drafters require".into()));
            out.push(properties_table(&self.properties));
        }
        if let Some(d) = &self.differences {
            out.extend(differences_blocks(d, &self.target));
        }
        out
    }
}

/// The matrix's rows, with each distinct wording of forms as a letter and its legend.
fn matrix(rows: &[BriefRow]) -> (Vec<Vec<String>>, Vec<String>) {
    let mut forms: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for r in rows {
        let head = [r.event.as_str().to_string(), r.place.clone(), r.attackers.join("; ")];
        if r.obliged.is_empty() {
            let mut row = head.to_vec();
            row.extend(["nobody", "—", "—", "—"].map(String::from));
            out.push(row);
            continue;
        }
        for (i, g) in r.obliged.iter().enumerate() {
            let mut row = if i == 0 { head.to_vec() } else { vec![String::new(); 3] };
            let letter = match forms.iter().position(|f| *f == g.forms) {
                Some(n) => n,
                None => {
                    forms.push(g.forms.clone());
                    forms.len() - 1
                }
            };
            let mut who = g.parties.join(" ");
            if !g.lead.is_empty() {
                who = format!("{who} (led by {})", g.lead.join(" "));
            }
            let level = match g.status {
                crate::Status::Definite => g.level.to_string(),
                crate::Status::Contingent => format!("{}, if {}", g.level, g.depends_on.join(", ")),
            };
            row.extend([who, level, form_letter(letter), g.by_when.clone()]);
            out.push(row);
        }
    }
    let legend = forms
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{} = {f}", form_letter(i)))
        .collect();
    (out, legend)
}

/// `F1`, `F2`, … for the forms' legend.
fn form_letter(i: usize) -> String {
    format!("F{}", i + 1)
}

fn properties_table(props: &[PropertyLine]) -> Block {
    let rows = props
        .iter()
        .map(|p| {
            let result = match p.outcome {
                Outcome::Proven => "holds",
                Outcome::Violated => "FAILS",
                Outcome::Vacuous => "says nothing (no scenario in scope)",
                Outcome::NotCheckedExhaustively => "not proven (sampled)",
            };
            let what = match (&p.description, &p.detail) {
                (Some(d), Some(x)) => format!("{d} — {x}"),
                (Some(d), None) => d.clone(),
                (None, Some(x)) => x.clone(),
                (None, None) => String::new(),
            };
            vec![p.id.clone(), result.to_string(), what]
        })
        .collect();
    Block::Table {
        header: ["Property", "Result", "What it requires"].map(String::from).to_vec(),
        rows,
    }
}

fn differences_blocks(d: &Differences, target: &str) -> Vec<Block> {
    let mut out = vec![Block::Heading(format!("Compared with {}", d.against))];
    if d.rows.is_empty() {
        out.push(Block::Text(format!(
            "No verdict changes: {} scenarios compared (attacks on the targets above).",
            d.scenarios
        )));
        return out;
    }
    out.push(Block::Text(format!(
        "{} of {} scenarios change (attacks on the targets above). \"Here\" is this rule set, \"there\" {}.",
        d.changed, d.scenarios, d.against
    )));
    let rows = d
        .rows
        .iter()
        .map(|l| {
            vec![
                l.target.clone(),
                l.attacker.clone(),
                l.place.clone(),
                l.parties.join(" "),
                l.here.clone(),
                l.there.clone(),
                l.scenarios.to_string(),
            ]
        })
        .collect();
    out.push(Block::Table {
        header: ["Target", "Attacker", "Where", "Parties", "Here", "There", "Scenarios"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    if d.more > 0 {
        out.push(Block::Text(format!(
            "{} smaller changes are not shown; casus diff with --target {target} lists them all.",
            d.more
        )));
    }
    out
}

/// Markdown text with the characters that would change its meaning escaped (line breaks
/// become spaces, so that a name cannot end a table row).
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn md_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| md(c)).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// HTML text with every character that could open markup escaped.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_table(s: &mut String, header: &[String], rows: &[Vec<String>]) {
    s.push_str("<table>\n<thead><tr>");
    for h in header {
        let _ = write!(s, "<th>{}</th>", html(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        // A row that continues the one before (its first cell empty) is not ruled off.
        let class = if r.first().is_some_and(String::is_empty) {
            " class=\"more\""
        } else {
            ""
        };
        let _ = write!(s, "<tr{class}>");
        for c in r {
            let _ = write!(s, "<td>{}</td>", html(c));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
}

const HTML_HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title></title>
<style>
@page { size: A4 landscape; margin: 10mm; }
body { font: 8pt/1.25 "Helvetica Neue", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 277mm; }
h1 { font-size: 12pt; margin: 0 0 2mm; }
h2 { font-size: 9.5pt; margin: 3mm 0 1mm; }
p { margin: 0 0 1.5mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5mm; }
th, td { border-top: 0.5pt solid #999; padding: 0.6mm 1.2mm; text-align: left; vertical-align: top; }
tr.more td { border-top: none; }
th { background: #eee; font-weight: 600; }
tr { page-break-inside: avoid; }
</style>
</head>
<body>
"#;
