//! Edits of time: the dates a treaty, a membership or a `date:` window starts or ends (moved
//! to a counterexample's date, or the day after), and the deadlines of an obligation and its
//! stages (added or shortened to what a property asks for).

use jiff::civil::Date;

use crate::model::{DateWindow, ObligationDecl, Spanned, TreatyDecl};
use crate::{Deadline, When};

use super::{At, Edit, EditKind, Seeds, after_level_line};

/// Whether a date opens a period (on and after it) or closes one (strictly before it).
#[derive(Clone, Copy)]
enum Bound {
    Opens,
    Closes,
}

/// The dates of a treaty: its entry into force, its end, and when each party joined or left.
pub(super) fn treaty(at: &At<'_>, t: &TreatyDecl, seeds: &Seeds, out: &mut Vec<Edit>) {
    let id = at.treaty;
    if let Some(d) = &t.in_force {
        shift(
            at,
            d,
            Bound::Opens,
            &format!("the entry into force of `{id}`"),
            seeds,
            out,
        );
    }
    if let Some(d) = &t.terminated {
        shift(at, d, Bound::Closes, &format!("the end of `{id}`"), seeds, out);
    }
    for m in &t.parties {
        let Some(who) = m.party.as_ref().or(m.members_of.as_ref()) else {
            continue;
        };
        let who = &who.value;
        if let Some(d) = &m.joined {
            shift(
                at,
                d,
                Bound::Opens,
                &format!("the date {who} joined `{id}`"),
                seeds,
                out,
            );
        }
        if let Some(d) = &m.left {
            shift(at, d, Bound::Closes, &format!("the date {who} left `{id}`"), seeds, out);
        }
    }
}

/// The bounds of a `date:` window of a clause's condition.
pub(super) fn window(at: &At<'_>, w: &DateWindow, seeds: &Seeds, out: &mut Vec<Edit>) {
    let whose = format!("the `date:` window of {}", at.clause_words());
    if let Some(d) = &w.from {
        shift(at, d, Bound::Opens, &format!("the start of {whose}"), seeds, out);
    }
    if let Some(d) = &w.before {
        shift(at, d, Bound::Closes, &format!("the end of {whose}"), seeds, out);
    }
}

/// Moves date `d` so that each counterexample's day falls in the period it bounds (when it
/// is outside) or out of it (when it is inside).
fn shift(at: &At<'_>, d: &Spanned<When>, bound: Bound, noun: &str, seeds: &Seeds, out: &mut Vec<Edit>) {
    let (Some(o), Some(n)) = (d.referenced.byte_offset(), d.referenced.byte_len()) else {
        return;
    };
    let now = d.value.day();
    let mut moved: Vec<Date> = Vec::new();
    for day in &seeds.dates {
        let inside = match bound {
            Bound::Opens => *day >= now,
            Bound::Closes => *day < now,
        };
        // An opening date on the day takes it in, the day after leaves it out; a closing
        // date (exclusive) the other way round.
        let to = match (bound, inside) {
            (Bound::Opens, false) | (Bound::Closes, true) => Some(*day),
            (Bound::Opens, true) | (Bound::Closes, false) => day.tomorrow().ok(),
        };
        let Some(to) = to.filter(|t| *t != now && !moved.contains(t)) else {
            continue;
        };
        moved.push(to);
        let what = format!("move {noun} from {now} to {to}");
        out.push(at.edit(EditKind::MoveDate, o, (o, o + n), to.to_string(), what));
    }
}

/// Deadlines added or shortened so that an obligation (or a later stage, counted from the
/// attack through the stages before it) falls due within the hours a property asks for.
pub(super) fn deadlines(at: &At<'_>, o: &ObligationDecl, seeds: &Seeds, out: &mut Vec<Edit>) {
    let text = &at.file.text;
    let steps = std::iter::once((&o.level, o.deadline)).chain(o.then.iter().map(|s| (&s.level, s.deadline)));
    // Hours from the attack by which the stage before is due (0 before the first).
    let mut before = Some(0u64);
    for (n, (level, deadline)) in steps.enumerate() {
        let own = deadline.and_then(Deadline::hours);
        let which = if n == 0 {
            format!("the {} obligation of {}", level.value.as_str(), at.clause_words())
        } else {
            format!(
                "the {} stage of an obligation of {}",
                level.value.as_str(),
                at.clause_words()
            )
        };
        let mut done: Vec<u64> = Vec::new();
        for &h in &seeds.hours {
            let Some(room) = before.and_then(|b| h.checked_sub(b)) else {
                continue;
            };
            if done.contains(&room) || own.is_some_and(|x| x <= room) {
                continue;
            }
            done.push(room);
            let new = deadline_yaml(room);
            let due = if n == 0 {
                String::new()
            } else {
                format!(" (due within {h} hours of the attack)")
            };
            match (deadline, written_deadline(text, level)) {
                (Some(d), Some((s, e))) => {
                    let what = format!("shorten the deadline of {which} from {d} to `{new}`{due}");
                    out.push(at.edit(EditKind::ShortenDeadline, s, (s, e), new, what));
                }
                (None, None) => {
                    let Some((p, indent)) = after_level_line(text, level) else {
                        continue;
                    };
                    let what = format!("give {which} the deadline `{new}`{due}");
                    let line = format!("{indent}deadline: {new}\n");
                    let o = level.referenced.byte_offset().unwrap_or(p);
                    out.push(at.edit(EditKind::AddDeadline, o, (p, p), line, what));
                }
                _ => {}
            }
        }
        before = before.and_then(|b| own.map(|x| b + x));
    }
}

/// A deadline of `hours` as written in a rule file.
fn deadline_yaml(hours: u64) -> String {
    match hours {
        0 => "immediately".into(),
        h if h >= 48 && h % 24 == 0 => format!("{{within_days: {}}}", h / 24),
        h => format!("{{within_hours: {h}}}"),
    }
}

/// The value of the `deadline:` key of the mapping whose `level:` is `level` (not of a
/// nested stage): its bytes on its line, a comment left out.
fn written_deadline(text: &str, level: &Spanned<crate::Level>) -> Option<(usize, usize)> {
    let (line_start, column) = super::level_key(text, level)?;
    let mut at = line_start;
    for line in text.get(line_start..)?.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let indent = body.len() - body.trim_start_matches(' ').len();
        let blank = body.trim().is_empty() || body.trim_start().starts_with('#');
        if at > line_start && !blank && indent < column {
            return None;
        }
        if indent == column
            && let Some(value) = body.trim_start().strip_prefix("deadline:")
        {
            let value = value.find(" #").map_or(value, |i| value.get(..i).unwrap_or(value));
            let lead = value.len() - value.trim_start().len();
            let start = at + column + "deadline:".len() + lead;
            return Some((start, start + value.trim().len()));
        }
        at += line.len();
    }
    None
}
