//! The job runner: periodic jobs on tokio-cron-scheduler, each tick run exactly once
//! across every process that shares the job store.
//!
//! This crate knows no database. The service implements two ports:
//!
//! * [`JobStore`]: claims a tick of a job and records how its run ended. The service
//!   inserts a job-run row under a unique `(job, tick)` key; the replica whose insert
//!   succeeds runs the tick, the others see the key taken and skip it. That holds across
//!   processes on PostgreSQL. (SQLite allows one writer and OneVisit assumes one process
//!   on it; the unique key still keeps a tick from running twice in that process.)
//! * [`Clock`]: where "now" comes from, so tests fix it instead of waiting.
//!
//! A [`Job`] is a name, a schedule ([`CronSchedule`], seconds first) and an async body.
//! tokio-cron-scheduler wakes the runner; the runner does not trust the wake-up time
//! (its ticker polls every half second) and names the tick by the schedule instead:
//! the latest occurrence of the schedule at or before the clock's now ([`tick_at`]).
//! Two replicas woken a few hundred milliseconds apart therefore claim the same tick.

use crate::periodic::CronSchedule;
use chrono::{DateTime, SubsecRound, Utc};
use croner::Cron;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use tokio_cron_scheduler::{JobScheduler, JobSchedulerError};

/// Where the current time comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Today in China (UTC+8, no daylight saving), whatever the server's time zone.
    fn today(&self) -> chrono::NaiveDate {
        (self.now() + chrono::Duration::hours(8)).date_naive()
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always tells the same time: for tests and for replaying a day.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// What a run did, by what it counts (`requests`, `delivered`, `failed`, ...).
pub type JobCounts = BTreeMap<String, u64>;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum RunOutcome {
    Succeeded { counts: JobCounts },
    Failed { error: String },
}

/// A claimed tick, as the store names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim(pub String);

/// The storage side of the runner, implemented by the service.
#[async_trait::async_trait]
pub trait JobStore: Send + Sync + fmt::Debug {
    /// Claims `tick` of `job`, started at `started`: `Some` for the one caller that
    /// claims it first, `None` when it was claimed already (by any process).
    async fn claim(
        &self,
        job: &str,
        tick: DateTime<Utc>,
        started: DateTime<Utc>,
    ) -> Result<Option<Claim>, String>;

    /// Records the end of a claimed run.
    async fn finish(
        &self,
        claim: &Claim,
        finished: DateTime<Utc>,
        outcome: &RunOutcome,
    ) -> Result<(), String>;
}

/// A periodic job.
#[async_trait::async_trait]
pub trait Job: Send + Sync + fmt::Debug {
    /// Unique among the jobs of a runner; part of the claim key.
    fn name(&self) -> &str;

    fn schedule(&self) -> &CronSchedule;

    /// Does the work of `tick`; an error is recorded as the run's outcome.
    async fn run(&self, tick: DateTime<Utc>) -> Result<JobCounts, String>;
}

/// Why the runner could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("job {job}: schedule {schedule:?} is not understood by the scheduler")]
    Schedule { job: String, schedule: String },
    #[error("the job scheduler: {0}")]
    Scheduler(#[from] JobSchedulerError),
}

fn cron(schedule: &CronSchedule) -> Option<Cron> {
    crate::periodic::cron::parser()
        .parse(schedule.as_str())
        .ok()
}

/// The tick a wake-up at `now` belongs to: the latest occurrence of `schedule` at or
/// before `now` (whole seconds, UTC). `None` if the schedule never occurred before.
pub fn tick_at(schedule: &CronSchedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron(schedule)?
        .find_previous_occurrence(&now.trunc_subsecs(0), true)
        .ok()
}

/// The occurrences of `schedule` in `(after, until]`, oldest first, at most `limit`.
pub fn occurrences_between(
    schedule: &CronSchedule,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: usize,
) -> Vec<DateTime<Utc>> {
    let Some(cron) = cron(schedule) else {
        return Vec::new();
    };
    cron.iter_after(after)
        .take_while(|t| *t <= until)
        .take(limit)
        .collect()
}

/// What happened to one tick on this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickOutcome {
    /// Another process (or an earlier wake-up of this one) has the tick.
    Skipped,
    Ran(RunOutcome),
}

/// Claims `tick` of `job` and, if this caller got it, runs it and records the outcome.
pub async fn run_tick(
    store: &dyn JobStore,
    clock: &dyn Clock,
    job: &dyn Job,
    tick: DateTime<Utc>,
) -> Result<TickOutcome, String> {
    let Some(claim) = store.claim(job.name(), tick, clock.now()).await? else {
        return Ok(TickOutcome::Skipped);
    };
    let outcome = match job.run(tick).await {
        Ok(counts) => RunOutcome::Succeeded { counts },
        Err(error) => RunOutcome::Failed { error },
    };
    store.finish(&claim, clock.now(), &outcome).await?;
    Ok(TickOutcome::Ran(outcome))
}

/// The running scheduler; stop it with [`Runner::shutdown`].
pub struct Runner {
    scheduler: JobScheduler,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner").finish_non_exhaustive()
    }
}

impl Runner {
    /// Schedules every job and starts ticking.
    pub async fn start(
        store: Arc<dyn JobStore>,
        clock: Arc<dyn Clock>,
        jobs: Vec<Arc<dyn Job>>,
    ) -> Result<Self, RunnerError> {
        let scheduler = JobScheduler::new().await?;
        for job in jobs {
            if cron(job.schedule()).is_none() {
                return Err(RunnerError::Schedule {
                    job: job.name().to_owned(),
                    schedule: job.schedule().as_str().to_owned(),
                });
            }
            let (store, clock, body) = (store.clone(), clock.clone(), job.clone());
            let scheduled = tokio_cron_scheduler::Job::new_async(
                job.schedule().as_str(),
                move |_id, _scheduler| {
                    let (store, clock, job) = (store.clone(), clock.clone(), body.clone());
                    Box::pin(async move {
                        let Some(tick) = tick_at(job.schedule(), clock.now()) else {
                            return;
                        };
                        match run_tick(store.as_ref(), clock.as_ref(), job.as_ref(), tick).await {
                            Ok(TickOutcome::Ran(RunOutcome::Failed { error })) => {
                                tracing::warn!(job = job.name(), %tick, %error, "job run failed");
                            }
                            Ok(_) => {}
                            Err(error) => {
                                tracing::error!(job = job.name(), %tick, %error, "job store failed");
                            }
                        }
                    })
                },
            )?;
            scheduler.add(scheduled).await?;
        }
        scheduler.start().await?;
        Ok(Self { scheduler })
    }

    pub async fn shutdown(mut self) -> Result<(), RunnerError> {
        self.scheduler.shutdown().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test time")
    }

    fn schedule(s: &str) -> CronSchedule {
        CronSchedule::parse(s).expect("schedule")
    }

    #[test]
    fn a_late_wake_up_names_the_tick_it_belongs_to() {
        let every_second = schedule("* * * * * *");
        assert_eq!(
            tick_at(&every_second, at("2026-12-07T00:00:05.730Z")),
            Some(at("2026-12-07T00:00:05Z"))
        );
        let mondays = schedule("0 0 8 * * MON");
        assert_eq!(
            tick_at(&mondays, at("2026-12-07T08:00:00.400Z")),
            Some(at("2026-12-07T08:00:00Z"))
        );
        assert_eq!(
            tick_at(&mondays, at("2026-12-09T10:00:00Z")),
            Some(at("2026-12-07T08:00:00Z"))
        );
    }

    #[test]
    fn occurrences_in_a_window_exclude_its_start() {
        let every_ten = schedule("*/10 * * * * *");
        assert_eq!(
            occurrences_between(
                &every_ten,
                at("2026-12-07T00:00:00Z"),
                at("2026-12-07T00:00:30Z"),
                10
            ),
            vec![
                at("2026-12-07T00:00:10Z"),
                at("2026-12-07T00:00:20Z"),
                at("2026-12-07T00:00:30Z")
            ]
        );
    }

    #[test]
    fn the_fixed_clock_tells_china_s_date() {
        let clock = FixedClock(at("2026-12-06T17:00:00Z"));
        assert_eq!(clock.today().to_string(), "2026-12-07");
    }
}
