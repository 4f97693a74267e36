//! Periodic inspection plans, risk-based frequency, and the verifiable double-random
//! draw (双随机、一公开): the pure side of OneVisit's periodic jobs.
//!
//! Nothing here reads a clock, a file or a database: the tick date, the enterprises,
//! the inspectors, their history and the seed are all passed in. The job runner (on
//! tokio-cron-scheduler, in the service) decides *when* a plan fires and stores what
//! this module computes.
//!
//! # Plans
//!
//! An [`InspectionPlan`] is built by [`InspectionPlan::new`] from a [`PlanInput`]
//! (also its serde form) and refuses bad values with a [`PlanError`] whose message
//! starts with the field's name (`name:`, `schedule:`, `draw:`, `agencies:`,
//! `agencies[2]:`, `window_working_days:`, `pool.statuses:`). A plan has:
//!
//! * a **schedule**: a cron expression as tokio-cron-scheduler reads it, seconds first,
//!   `sec min hour day-of-month month day-of-week [year]` (6 or 7 fields). Its syntax
//!   and ranges are checked when the plan is built ([`CronSchedule`]); a 5-field
//!   expression is refused.
//! * a **kind** ([`PlanKind`]): `routine`, `look_back` (回头看) or `random` (双随机).
//! * a **pool filter** ([`PoolFilter`]): sectors, districts, inside/outside a chemical
//!   park, required risk markers, statuses, and `risk_based`. Empty sets mean "any".
//!   Empty statuses mean *operating* for routine and random plans and *closed or
//!   relocated* for look-back plans; a look-back plan may only name closed and
//!   relocated, and never targets anything else.
//! * a **draw size** ([`DrawSize`]): `all`, `count` (≥ 1) or `share` (1–100 %). A
//!   share is rounded **up**: `ceil(pool × percent / 100)`, so a share of a non-empty
//!   pool is at least one. A count above the pool takes the whole pool when the plan
//!   fires; [`InspectionPlan::check_pool`] refuses it (and an empty pool) when the plan
//!   is saved, against the pool of that moment.
//! * the **agencies** taking part, each once, with their team sizes ([`Participation`]).
//! * `window_working_days` (1–250): each request's window starts on the first working
//!   day on or after the tick date and ends that many working days later, by the
//!   domain's [`WorkCalendar`](onevisit_domain::WorkCalendar) ([`plan_window`]).
//! * `announced`: whether the enterprise is told beforehand.
//!
//! Routine and look-back plans select with [`select_targets`]: every candidate for
//! `all`, otherwise the count or share of them *most overdue first* (never inspected,
//! then the oldest last inspection, ties by credit code). A random plan's targets are
//! drawn instead ([`draw_targets`]); `select_targets` refuses it with a typed error
//! rather than quietly returning the whole pool. [`requests_for_tick`] turns targets
//! into [`RequestSpec`]s: one routine request per target and agency.
//!
//! A tip-off's urgent request ([`urgent_request`]) gets [`urgent_window`]: from the
//! first working day on or after the date to 5 working days after it; it is
//! unannounced and of kind `urgent`.
//!
//! # Risk-based frequency
//!
//! [`frequency_tier`] gives an enterprise's tier:
//!
//! | enterprise | tier |
//! | --- | --- |
//! | holds a major hazard source (重大危险源) | every quarter (3 months) |
//! | otherwise chemical sector, or a key supervised process or chemical | twice a year (6 months) |
//! | any other | yearly (12 months) |
//! | any of these with at least one overdue hazard | one tier more often; quarterly becomes monthly |
//!
//! It is due ([`FrequencyTier::is_due`]) when never inspected, or when
//! `date >= last inspection + months` (calendar month addition, clamped to the month's
//! end). A plan with `pool.risk_based` takes only the enterprises due on the tick date,
//! so one plan firing e.g. every Monday (`0 0 8 * * MON`) inspects each enterprise at
//! its own frequency. For random plans the rule shapes the pool; the draw itself stays
//! uniform so that it remains simple to recompute.
//!
//! # The draw, step by step
//!
//! A draw record ([`DrawRecord`]) holds the plan's name, the **pool** (the credit codes
//! of the candidates, sorted ascending as text, each once), the **seed** (32 bytes,
//! published as 64 lowercase hexadecimal digits), the **size** (`all`, `count:n` or
//! `share:p`) and the **result**. Anyone can recompute the result from the record:
//!
//! 1. Let `S` be the seed as its 64 lowercase hexadecimal digits, `pool` the list of
//!    codes in the record's order, `len` its length.
//! 2. Let `k` be the number to draw: `len` for `all`; `min(n, len)` for `count:n`;
//!    `ceil(len × p / 100)` for `share:p`.
//! 3. For `i = 0, 1, …, k − 1`:
//!    1. compute SHA-256 of the ASCII text `S:i` (the seed digits, a colon, `i` in
//!       decimal without leading zeros; for example `9f86…0a08:0`);
//!    2. read the first 8 bytes of the digest as an unsigned big-endian 64-bit number
//!       `r` (the first 16 hexadecimal digits of the digest);
//!    3. let `j = i + (r mod (len − i))`;
//!    4. swap `pool[i]` and `pool[j]`.
//! 4. The result is `pool[0], …, pool[k − 1]`, in that order.
//!
//! Worked example (a test checks it): seed
//! `9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`, pool
//! `91320800000000001C, 91320800000000002F, 91320800000000003J, 91320800000000004M,
//! 91320800000000005Q, 91320800000000006U, 91320800000000007Y, 913208000000000082,
//! 913208000000000095, 91320800000000010A`, size `count:3`: the result is
//! `91320800000000006U, 91320800000000002F, 91320800000000001C`.
//!
//! This is the first `k` steps of a Fisher–Yates shuffle; drawing fewer gives a
//! prefix of drawing more. In a shell, step 3.1–3.2 is
//! `printf '%s:%d' "$S" "$i" | sha256sum | cut -c1-16`. The reduction `r mod m` is
//! biased by less than `m / 2^64`, under one in four thousand million for any pool
//! below a million: we accept that for a rule that is easy to reimplement.
//! [`verify`] redoes this and also requires the pool to be sorted with no repeat.
//! [`DrawRecord::digest`] fingerprints the whole record (plan name included) for
//! storing beside it, so that a later edit of any field is visible.
//!
//! **Inspectors** are drawn for each drawn enterprise and each agency of the plan
//! ([`draw_inspectors`], [`draw_teams`]) with the same seed and the same steps, except:
//!
//! * the list is the agency's **eligible roster**: its inspectors available that day,
//!   with no declared conflict with the enterprise, and not on the last visit to that
//!   enterprise for that agency ([`LastVisits`]), sorted by inspector code;
//! * `k` is the agency's team size;
//! * the hashed text is `S:<credit code>:<agency code>:i`, e.g.
//!   `9f86…0a08:91320800000000001C:fire:0`, so every enterprise and agency gets its
//!   own stream. With the example's seed, team size 2 and the roster `fire-01` to
//!   `fire-05`, enterprise `91320800000000001C` gets `fire-03, fire-05`. (A target
//!   step's text has one colon; an inspector step's has three, so the two never
//!   coincide.)
//!
//! The [`InspectorDraw`] publishes the eligible roster, so [`verify_inspectors`] can
//! recompute it. If the eligible roster is smaller than the team, nobody is drawn and
//! the outcome is [`RosterTooSmall`], naming the agency, the enterprise, the day, the
//! number needed and who was eligible. [`draw_inspectors`] does not look at an
//! inspector's other assignments that day; the service, which knows them, leaves the
//! busy ones out of the eligible roster and draws with [`draw_from_eligible`], the same
//! steps on a roster it made.
//!
//! Who makes the seed matters as much as the algorithm: the service should take it from
//! the operating system's random source after the pool is fixed, and publish record and
//! digest at once. That is the service's side; this module only computes and checks.

pub(crate) mod cron;
mod draw;
mod plan;
mod requests;
mod risk;
mod select;

pub use cron::{CronError, CronSchedule};
pub use draw::{
    DrawRecord, DrawSeed, InspectorDraw, LastVisits, RosterTooSmall, SeedError, draw_from_eligible,
    draw_inspectors, draw_targets, draw_teams, verify, verify_inspectors,
};
pub use plan::{
    DrawSize, InspectionPlan, ParkFilter, Participation, PlanError, PlanInput, PlanKind, PoolError,
    PoolFilter,
};
pub use requests::{
    RequestSpec, URGENT_WINDOW_WORKING_DAYS, plan_window, requests_for_tick, urgent_request,
    urgent_window,
};
pub use risk::{FrequencyTier, enterprise_tier, frequency_tier, is_due};
pub use select::{
    EnterpriseHistory, InspectionHistory, SelectError, candidate_pool, select_targets,
};
