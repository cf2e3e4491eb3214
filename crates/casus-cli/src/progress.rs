//! Progress of `casus verify` and `casus diff` on standard error: a bar on a terminal; where
//! standard error is not a terminal (a log, a CI job), a plain line at most every few seconds,
//! and with `--progress` also a line when each property starts and ends. Standard output is
//! never touched, so the report stays byte-identical whatever is shown.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a line is written where standard error is not a terminal.
pub(crate) const EVERY: Duration = Duration::from_secs(5);

/// Where progress goes.
pub(crate) enum Progress {
    /// A bar redrawn in place.
    Bar(indicatif::ProgressBar),
    /// Plain lines.
    Lines(Lines),
}

impl Progress {
    /// A bar if standard error is a terminal, else lines (every [`EVERY`], and with `forced`
    /// at the start and end of each property). `what` starts each line (`verify`, `diff`).
    pub(crate) fn new(what: &'static str, forced: bool) -> Progress {
        if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:24} [{bar:40}] {pos}/{len} ({eta})") {
                pb.set_style(style.progress_chars("=> "));
            }
            Progress::Bar(pb)
        } else {
            Progress::Lines(Lines::new(what, forced, Instant::now()))
        }
    }

    /// `done` of `total` classes of the property `id` are checked.
    pub(crate) fn tick(&self, id: &str, done: u64, total: u64) {
        match self {
            Progress::Bar(pb) => {
                pb.set_length(total);
                pb.set_position(done);
                pb.set_message(id.to_string());
            }
            Progress::Lines(l) => {
                if let Some(line) = l.line(id, done, total, Instant::now()) {
                    eprintln!("{line}");
                }
            }
        }
    }

    /// Clears the bar once the work is done.
    pub(crate) fn finish(&self) {
        if let Progress::Bar(pb) = self {
            pb.finish_and_clear();
        }
    }
}

/// Plain progress lines, throttled.
pub(crate) struct Lines {
    what: &'static str,
    forced: bool,
    /// When the last line was written (the start, before any).
    last: Mutex<Instant>,
}

impl Lines {
    pub(crate) fn new(what: &'static str, forced: bool, start: Instant) -> Lines {
        Lines {
            what,
            forced,
            last: Mutex::new(start),
        }
    }

    /// The line to write for this tick at `now`, if one is due: [`EVERY`] after the last, or
    /// with `forced` at a property's first and last class.
    pub(crate) fn line(&self, id: &str, done: u64, total: u64, now: Instant) -> Option<String> {
        let edge = self.forced && (done == 1 || done == total);
        let mut last = self.last.lock().ok()?;
        if !edge && now.saturating_duration_since(*last) < EVERY {
            return None;
        }
        *last = now;
        let pct = done.saturating_mul(100).checked_div(total).unwrap_or(100);
        let who = if id.is_empty() {
            String::new()
        } else {
            format!(" {id}:")
        };
        Some(format!("{}:{who} {done}/{total} classes ({pct}%)", self.what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines at the given seconds after the start, for ticks `(seconds, done)` of 10 classes.
    fn lines(forced: bool, ticks: &[(u64, u64)]) -> Vec<String> {
        let start = Instant::now();
        let l = Lines::new("verify", forced, start);
        ticks
            .iter()
            .filter_map(|&(s, done)| l.line("p", done, 10, start + Duration::from_secs(s)))
            .collect()
    }

    #[test]
    fn a_line_every_few_seconds_and_at_the_edges_when_forced() {
        let ticks = [(0, 1), (1, 2), (5, 3), (6, 4), (9, 5), (10, 6), (11, 10)];
        assert_eq!(
            lines(false, &ticks),
            ["verify: p: 3/10 classes (30%)", "verify: p: 6/10 classes (60%)"]
        );
        assert_eq!(
            lines(true, &ticks),
            [
                "verify: p: 1/10 classes (10%)",
                "verify: p: 3/10 classes (30%)",
                "verify: p: 6/10 classes (60%)",
                "verify: p: 10/10 classes (100%)"
            ]
        );
    }
}
