//! A generated rule set written as a drafter writes one: block style down to the entries a
//! drafter edits one line at a time (a treaty's parties, the tests of a trigger's `all:`, an
//! obligation's fields), flow style (`{...}`, `[...]`) below them.
//!
//! The same document as the JSON the generators render, so it loads to the same rule set; only
//! the layout differs, and with it which edits of `casus repair` apply (they change the text
//! where a value was written: a line of a block list, an element of a flow list).

use serde_json::Value;

/// How a value is laid out.
#[derive(Clone, Copy)]
enum Shape {
    /// On one line, in flow style.
    Flow,
    /// The rule file.
    Root,
    /// A treaty.
    Treaty,
    /// A clause.
    Clause,
    /// A clause's trigger: `all:` as a block list, anything else in flow style.
    Trigger,
    /// A mapping written one entry a line, each value in flow style (an obligation, a test
    /// of a trigger's `all:`).
    Fields,
    /// A block list whose items have the shape given.
    ListOf(&'static Shape),
}

impl Shape {
    /// The shape of the value under `key` of a mapping of this shape.
    fn child(self, key: &str) -> Shape {
        match (self, key) {
            (Shape::Root, "treaties") => Shape::ListOf(&Shape::Treaty),
            (Shape::Root, "tags" | "facts" | "parties" | "territories" | "areas")
            | (Shape::Treaty, "parties" | "reservations") => Shape::ListOf(&Shape::Flow),
            (Shape::Trigger, "all") => Shape::ListOf(&Shape::Fields),
            (Shape::Treaty, "clauses") => Shape::ListOf(&Shape::Clause),
            (Shape::Clause, "trigger") => Shape::Trigger,
            (Shape::Clause, "obligations") => Shape::ListOf(&Shape::Fields),
            _ => Shape::Flow,
        }
    }

    /// Whether `v` is written in block style in this shape (else in flow style).
    fn is_block(self, v: &Value) -> bool {
        match (self, v) {
            (Shape::Flow, _) => false,
            (Shape::ListOf(_), Value::Array(a)) => !a.is_empty(),
            (Shape::Trigger, Value::Object(m)) => {
                m.len() == 1 && m.get("all").is_some_and(|a| Shape::ListOf(&Shape::Fields).is_block(a))
            }
            (Shape::Root | Shape::Treaty | Shape::Clause | Shape::Fields, Value::Object(m)) => !m.is_empty(),
            _ => false,
        }
    }
}

/// The rule file `doc` (as the generators render it) in block style.
pub(super) fn rule_file(doc: &Value) -> String {
    let mut out = String::new();
    block(doc, Shape::Root, 0, &mut out);
    out
}

/// Writes `v` in block style at `indent` (its shape is a block one).
fn block(v: &Value, shape: Shape, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match (v, shape) {
        (Value::Array(items), Shape::ListOf(item)) => {
            for x in items {
                if item.is_block(x) {
                    // The item's first line starts with the dash, its others under it.
                    let mut inner = String::new();
                    block(x, *item, indent + 2, &mut inner);
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(inner.get(indent + 2..).unwrap_or(""));
                } else {
                    out.push_str(&format!("{pad}- {}\n", flow(x)));
                }
            }
        }
        (Value::Object(m), _) => {
            for (k, x) in entries(m) {
                let s = shape.child(k);
                if s.is_block(x) {
                    out.push_str(&format!("{pad}{k}:\n"));
                    block(x, s, indent + 2, out);
                } else {
                    out.push_str(&format!("{pad}{k}: {}\n", flow(x)));
                }
            }
        }
        _ => out.push_str(&format!("{pad}{}\n", flow(v))),
    }
}

/// The keys written first, in this order, when a mapping has them (a treaty's parties are
/// written `- {party: ID, ...}`, which is the line `casus repair` removes a party by).
const FIRST: [&str; 3] = ["id", "party", "members_of"];

/// The entries of `m`: those of [`FIRST`] first, then the others in their order.
fn entries(m: &serde_json::Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    let first = FIRST.iter().filter_map(|k| m.get_key_value(*k));
    first.chain(m.iter().filter(|(k, _)| !FIRST.contains(&k.as_str())))
}

/// `v` in flow style, on one line: `{key: value, ...}`, `[a, b]`, plain scalars where YAML
/// reads them as the same string, else quoted.
fn flow(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let inner: Vec<String> = entries(m).map(|(k, x)| format!("{k}: {}", flow(x))).collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(a) => {
            let inner: Vec<String> = a.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::String(s) if plain(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `s` may be written unquoted: an id, a word or a date, which YAML reads as this
/// very string (not a number, a boolean or null).
fn plain(s: &str) -> bool {
    let word = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"];
    word && !reserved.iter().any(|r| r.eq_ignore_ascii_case(s)) && s.parse::<f64>().is_err()
}
