//! Progress of `casus verify` and `casus diff` on standard error: a bar on a terminal, moved
//! by the walk's own count ([`casus::verify::WalkProgress`]) so that it moves inside one long
//! class of scenarios too; where standard error is not a terminal (a log, a CI job), a plain
//! line at most every few seconds, and with `--progress` also a line when each property starts
//! and ends; nothing with `--no-progress`. Standard output is never touched, so the report
//! stays byte-identical whatever is shown.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use casus::verify::WalkProgress;

/// How often a line is written where standard error is not a terminal.
pub(crate) const EVERY: Duration = Duration::from_secs(5);

/// How often the bar reads the walk's count.
const POLL: Duration = Duration::from_millis(200);

/// Where progress goes.
pub(crate) enum Progress {
    /// A bar redrawn in place, moved by a thread that reads the walk's count.
    Bar(Bar),
    /// Plain lines.
    Lines(Lines),
    /// Nothing (`--no-progress`).
    Off,
}

/// The bar, the count it shows and the thread that moves it.
pub(crate) struct Bar {
    pb: indicatif::ProgressBar,
    count: Arc<WalkProgress>,
    stop: Arc<AtomicBool>,
    poller: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Progress {
    /// Nothing when `off`; a bar if standard error is a terminal, else lines (every
    /// [`EVERY`], and with `forced` at the start and end of each property). `what` starts
    /// each line (`verify`, `diff`); `names` are the walks' names on the bar, in order (the
    /// properties; the last one stands for any later walk).
    pub(crate) fn new(what: &'static str, forced: bool, off: bool, names: Vec<String>) -> Progress {
        if off {
            Progress::Off
        } else if std::io::stderr().is_terminal() {
            Progress::Bar(Bar::start(names))
        } else {
            Progress::Lines(Lines::new(what, forced, Instant::now()))
        }
    }

    /// The count the walk keeps, for the options of `verify` or `diff` (only a bar reads it).
    pub(crate) fn count(&self) -> Option<Arc<WalkProgress>> {
        match self {
            Progress::Bar(b) => Some(b.count.clone()),
            _ => None,
        }
    }

    /// `done` of `total` classes of the property `id` are checked.
    pub(crate) fn tick(&self, id: &str, done: u64, total: u64) {
        if let Progress::Lines(l) = self
            && let Some(line) = l.line(id, done, total, Instant::now())
        {
            eprintln!("{line}");
        }
    }

    /// Clears the bar once the work is done.
    pub(crate) fn finish(&self) {
        if let Progress::Bar(b) = self {
            b.stop.store(true, Ordering::Relaxed);
            if let Some(h) = b.poller.lock().ok().and_then(|mut h| h.take()) {
                let _ = h.join();
            }
            b.pb.finish_and_clear();
        }
    }
}

impl Bar {
    /// A bar at 0 and the thread that moves it every [`POLL`] from the walk's count.
    fn start(names: Vec<String>) -> Bar {
        let pb = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg:24} [{bar:40}] {percent:>3}% ({elapsed}, {eta} left)")
        {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(names.first().cloned().unwrap_or_default());
        let count = Arc::new(WalkProgress::default());
        let stop = Arc::new(AtomicBool::new(false));
        let poller = {
            let (pb, count, stop) = (pb.clone(), count.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut walk = 0;
                while !stop.load(Ordering::Relaxed) {
                    if count.walk() != walk {
                        walk = count.walk();
                        pb.reset();
                        let i = usize::try_from(walk.saturating_sub(1)).unwrap_or(usize::MAX);
                        pb.set_message(names.get(i).or(names.last()).cloned().unwrap_or_default());
                    }
                    pb.set_length(count.total());
                    pb.set_position(count.done());
                    std::thread::sleep(POLL);
                }
            })
        };
        Bar {
            pb,
            count,
            stop,
            poller: Mutex::new(Some(poller)),
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
