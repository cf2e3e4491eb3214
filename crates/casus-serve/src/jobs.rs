//! Long checks (`verify`, `diff`) run as jobs: on a thread of their own, with progress, a
//! cancel flag and a time limit that sets it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use casus::verify::{Cancel, VerifyError};
use serde::Serialize;

/// The most jobs that run at once; another is refused until one ends.
pub const MAX_RUNNING: usize = 2;
/// The most finished jobs kept for their results (the oldest go first).
const KEPT: usize = 32;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Still walking.
    Running,
    /// Finished; `result` holds the report.
    Done,
    /// Could not run, or stopped by its time limit; `error` says why.
    Failed,
    /// Stopped on request.
    Cancelled,
}

/// One job as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    /// Its number.
    pub id: u64,
    /// `verify` or `diff`.
    pub kind: &'static str,
    /// Where it stands.
    pub state: JobState,
    /// Units of work done (classes of scenarios, grouped).
    pub done: u64,
    /// Units of work in all (of the current property, for `verify`).
    pub total: u64,
    /// The report, once done: the JSON of `casus verify` / `casus diff --format json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug)]
struct Job {
    kind: &'static str,
    cancel: Cancel,
    timed_out: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
    outcome: Arc<Mutex<Option<Result<serde_json::Value, String>>>>,
}

/// The jobs of one server.
#[derive(Debug)]
pub struct Jobs {
    next: AtomicU64,
    jobs: Mutex<BTreeMap<u64, Job>>,
    limit: Duration,
}

/// What a job's work is handed: a progress callback and the cancel flag to pass on.
pub struct Ctx {
    /// Set when the job is cancelled or runs out of time.
    pub cancel: Cancel,
    done: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
}

impl Ctx {
    /// Records progress (`done` of `total`).
    pub fn tick(&self, done: u64, total: u64) {
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }
}

impl Jobs {
    /// No jobs yet; each will be stopped after `limit`.
    #[must_use]
    pub fn new(limit: Duration) -> Jobs {
        Jobs {
            next: AtomicU64::new(1),
            jobs: Mutex::new(BTreeMap::new()),
            limit,
        }
    }

    /// Starts `work` on a thread of its own; its number, or why it cannot start now.
    pub fn start<F>(&self, kind: &'static str, work: F) -> Result<u64, String>
    where
        F: FnOnce(&Ctx) -> Result<serde_json::Value, VerifyError> + Send + 'static,
    {
        let mut jobs = self
            .jobs
            .lock()
            .map_err(|_| "the job list is unavailable".to_string())?;
        let running = jobs.values().filter(|j| lock_none(&j.outcome)).count();
        if running >= MAX_RUNNING {
            return Err(format!(
                "{running} checks are already running; wait for one to end or cancel it"
            ));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let job = Job {
            kind,
            cancel: Arc::new(AtomicBool::new(false)),
            timed_out: Arc::new(AtomicBool::new(false)),
            done: Arc::new(AtomicU64::new(0)),
            total: Arc::new(AtomicU64::new(0)),
            outcome: Arc::new(Mutex::new(None)),
        };
        let ctx = Ctx {
            cancel: job.cancel.clone(),
            done: job.done.clone(),
            total: job.total.clone(),
        };
        let (outcome, timed_out, limit) = (job.outcome.clone(), job.timed_out.clone(), self.limit);
        let timer = (job.cancel.clone(), job.timed_out.clone());
        let ended = Arc::new(AtomicBool::new(false));
        let ended_timer = ended.clone();
        std::thread::spawn(move || {
            let start = std::time::Instant::now();
            while start.elapsed() < limit && !ended_timer.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200).min(limit));
            }
            if !ended_timer.load(Ordering::Relaxed) {
                timer.1.store(true, Ordering::Relaxed);
                timer.0.store(true, Ordering::Relaxed);
            }
        });
        std::thread::spawn(move || {
            let r = work(&ctx).map_err(|e| match e {
                VerifyError::Cancelled if timed_out.load(Ordering::Relaxed) => format!(
                    "stopped after {} seconds, the time limit of a check started from the page (restrict it, or run it with the command line)",
                    limit.as_secs()
                ),
                other => other.to_string(),
            });
            ended.store(true, Ordering::Relaxed);
            if let Ok(mut o) = outcome.lock() {
                *o = Some(r);
            }
        });
        jobs.insert(id, job);
        let finished: Vec<u64> = jobs
            .iter()
            .filter(|(_, j)| !lock_none(&j.outcome))
            .map(|(k, _)| *k)
            .collect();
        for k in finished.iter().take(finished.len().saturating_sub(KEPT)) {
            jobs.remove(k);
        }
        Ok(id)
    }

    /// A job as the API shows it.
    pub fn view(&self, id: u64) -> Option<JobView> {
        let jobs = self.jobs.lock().ok()?;
        let j = jobs.get(&id)?;
        let outcome = j.outcome.lock().ok()?.clone();
        let cancelled = j.cancel.load(Ordering::Relaxed) && !j.timed_out.load(Ordering::Relaxed);
        let (state, result, error) = match outcome {
            None => (JobState::Running, None, None),
            Some(Ok(v)) => (JobState::Done, Some(v), None),
            Some(Err(_)) if cancelled => (JobState::Cancelled, None, Some("cancelled".to_string())),
            Some(Err(e)) => (JobState::Failed, None, Some(e)),
        };
        Some(JobView {
            id,
            kind: j.kind,
            state,
            done: j.done.load(Ordering::Relaxed),
            total: j.total.load(Ordering::Relaxed),
            result,
            error,
        })
    }

    /// Asks a job to stop; whether it exists.
    pub fn cancel(&self, id: u64) -> bool {
        let Ok(jobs) = self.jobs.lock() else {
            return false;
        };
        jobs.get(&id).is_some_and(|j| {
            j.cancel.store(true, Ordering::Relaxed);
            true
        })
    }
}

/// Whether a job has no outcome yet (is running).
fn lock_none(o: &Mutex<Option<Result<serde_json::Value, String>>>) -> bool {
    o.lock().map(|g| g.is_none()).unwrap_or(false)
}
