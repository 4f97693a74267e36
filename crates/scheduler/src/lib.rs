//! The planner: a pure function from a planning problem to a plan.
//!
//! The contract is `shared/spec/plan-format.md` (formats, working days, the six hard
//! rules, the objective order, reason codes, lower bound, errors). This page explains
//! how the planner meets it and every choice made where the contract is silent.
//!
//! # Using it
//!
//! - [`Problem::from_json`] reads and checks a problem; a malformed one is refused as a
//!   whole with a [`ProblemError`] naming the field and the id
//!   (`requests[R000004].earliest: 2027-02-10 is after latest 2027-02-01`). It never
//!   panics, whatever the bytes.
//! - [`plan`]`(&Problem) -> Result<Plan, ProblemError>`: pure, deterministic, no I/O.
//!   A problem built in code (by the API) is checked the same way.
//! - [`plan_with`]`(&Problem, &PlanOptions { time_limit: Some(duration) })` plans, then
//!   keeps improving until the time limit (counted from the call) or a fixed point and
//!   returns the best plan found, always valid; `PlanOptions::default()` is [`plan`].
//!   [`plan_to_json_with`] and [`plan_json_output_with`] are the same for the JSON
//!   paths.
//! - [`Plan::to_json`]`(pretty)` writes the plan in the contract's order.
//! - For the command line, [`plan_json_output`]`(bytes, pretty) -> Result<PlanOutput,
//!   ProblemError>` does it all at once (parse, check, plan, write) and writes the JSON
//!   straight from the planner's state: the same bytes as `plan(..)?.to_json(pretty)`
//!   (a property test checks it) with far fewer allocations. `PlanOutput::stats`
//!   gives the summary line.
//! - For booking, [`PlanIndex::new`]`(&problem, &plan)` once, then
//!   [`place`]`(&index, &request) -> Placement` per booking, in microseconds.
//! - [`generate::generate`] makes realistic instances from a seed.
//!
//! # The algorithm
//!
//! **0. Interning.** Every id becomes an integer: its rank in the sorted list of its
//! kind, so the input order of any list does not change the plan (tested). Dates
//! become day indices in the horizon. Working days come from
//! [`onevisit_domain::WorkCalendar::from_lists`] once per horizon day; a day is *open*
//! for an enterprise when it is a working day outside its quiet periods. Each
//! request's window is narrowed to its first and last open day; an empty one is
//! `no_open_day`. Resources live in flat per-day tables (agency load, inspector
//! occupancy, free inspectors per agency and day, counted visits per enterprise), so
//! every hard-rule check is O(1) plus the few inspectors in conflict with the
//! enterprise.
//!
//! **1. The ideal plan and the lower bound.** Per enterprise, the classic
//! interval-stabbing greedy over open days: sort the requests by last open day; a
//! request not met by the last chosen day gets its own last open day as a new point.
//! This is exact per enterprise (the least number of days meeting every window) and
//! gives each request its *target* day. The days of locked visits are free points:
//! requests they meet cost nothing. `stats.lower_bound` is, per enterprise, the number
//! of locked visits plus the greedy's count over the scheduled requests not met by a
//! locked visit's day — a true lower bound for any plan keeping the locked visits, never
//! more than `visits`, and equal to the contract's stabbing bound when nothing is locked.
//!
//! **2. Placement, urgent first.** All urgent requests (every enterprise), then the
//! others; within an enterprise in the greedy's order. Each request tries, in order:
//! its target day (join the visit there, or open it); joining any visit of its
//! enterprise inside its window (fewest extra inspectors, then latest day); *moving* one
//! of the enterprise's visits, with the request, to another common open day where every
//! rule holds (so a full day moves a visit rather than splitting it); a new visit on
//! the latest open day where every rule allows one. Every move checks all six rules:
//! open day and window (1), teams of `max(inspectors)` drawn from free, available,
//! conflict-free inspectors of the agency (2, 3), agency daily capacity (4), the burden
//! cap for visits without an urgent request (5), one visit per enterprise and day (6).
//! When capacity does not bind, this reproduces the ideal plan exactly.
//!
//! **3. Local search.** For every enterprise with several visits, try to empty each
//! non-locked visit (smallest first) by moving all its requests into the other visits
//! of the enterprise, or else by moving one other visit of the enterprise, with all of
//! them, to a day open for every request of both where every rule holds (two visits
//! merge on a third day); keep the move only if the visit empties, else undo it exactly.
//!
//! **3b. Per-enterprise re-optimisation.** Enterprises interact only through agency
//! capacity and inspectors, so one enterprise's days can be re-chosen with everything
//! else fixed. For every enterprise that may gain (a request of it left out while some
//! day of its window has room for its team, or more visits than the stabbing count of
//! its scheduled requests), its new visits are taken out and its requests re-placed
//! greedily by coverage: fill its locked visits, then open, again and again, the day
//! where a new visit takes the most urgent requests, then the most requests (latest day
//! on a tie), as the capacity, inspectors and burden cap left by the others allow. The
//! result is kept only if it beats the enterprise's current (urgent scheduled,
//! scheduled, −visits), else undone exactly. This is what a burden cap needs: with a cap
//! of one, the day serving most requests wins over the stabbing greedy's first day.
//!
//! **3c. Merging across full days.** For every enterprise with more visits than the
//! stabbing count of its scheduled requests, pairs of its visits (smallest first) whose
//! requests share an open day are merged onto such a day (their own days first, then
//! latest first; onto a locked visit's own day when one is locked): with both taken
//! out, each agency the merged visit needs gets a place and people on that day by
//! moving visits of other enterprises that hold the agency there, whole, to other days
//! of their windows (what the two visits freed included). A day that cannot be made to
//! fit is undone exactly, moves included. Where capacity binds this is most of the gap
//! to the lower bound: the day the requests share was full when they were placed. It
//! runs again after the ejection pass (6) on the visits that pass opened.
//!
//! **4. Inspectors.** Per agency and day (days in order), the teams of the new visits
//! are reassigned as a matching that spreads the work: inspectors are taken
//! least-loaded first (load = visits so far, locked ones included), ties going to whoever
//! reached that load first (at the start, by id), so equals take turns; the visits with a
//! conflict of interest in that agency are served first. Should this greedy fail for a
//! group (conflicts), the group keeps its construction assignment, which is valid.
//! Locked teams are never touched. The load queues make the pass cost O(team slots +
//! conflicts), not O(roster) per day.
//!
//! **5. Last chance.** Every request still out tries again (join, move a visit of its
//! enterprise to a day that takes it too, or a new visit) against the final plan,
//! urgent first. After this pass no request left out could join
//! a visit or open one without moving anything (*local optimality*, checked by the
//! property tests with an independent checker).
//!
//! **6. Ejection across enterprises.** Every request still out tries each open day of
//! its window (latest first) where its agency is at capacity or short of people: up to
//! 64 visits of other enterprises holding that agency that day are tried in turn, each
//! moved (whole) to the latest other day of its window where every rule holds, until
//! the request joins or opens its visit on the freed day; when only its burden cap
//! keeps it from opening one, its enterprise is re-optimised as in 3b instead (failed
//! tries are bounded per enterprise and pass by its size squared: on a big enterprise
//! one costs far more than a move, on a small one little). A move
//! that frees too little changes nothing in the objective. Day checks are capped at 64
//! per request of the problem (a move counts as a day check per horizon day), so the
//! pass stays linear where capacity binds everywhere. Then 6b; if anything moved, 3c
//! and the last chance (5) run again, so local optimality still holds at the end.
//!
//! **6b. One out, two in.** Where people bind, a visit holding a single routine
//! request with a team of two or three uses the inspector-days two or three requests
//! of one inspector each could have. Each such visit is taken out when at least two
//! requests left out of its agency (urgent first, then the smallest teams; 16 tried)
//! can then join or open a visit on its day; else it is put back exactly. The
//! request taken out may come back in the last chance (5), which runs after each of
//! two rounds. This schedules more, at the price of a visit or so, as the objective's
//! order wants.
//!
//! **7. With a time limit** ([`PlanOptions::time_limit`], `onevisit plan --time-limit`):
//! rounds of 3b for every enterprise, 6, 6b and 3c without their bounds (every
//! blocking visit, no cap on day checks) and 5, until a round gains nothing or the limit is reached (it
//! is checked every 256 enterprises, every request and before every move). Moves never make the plan worse and
//! always keep it valid, so stopping anywhere returns the best plan found. Only this
//! mode can depend on the machine's speed.
//!
//! **8. Reasons** are evaluated on the final plan, the first of the contract's list that
//! holds. Then the output: new visits numbered, everything sorted.
//!
//! **Cost.** Sorting ids and requests is O(n log n); placing a request costs O(window ×
//! (visits of its enterprise + its conflicts)), bounded by the horizon; re-optimising
//! an enterprise costs O(window × its requests) per visit it opens, and only
//! enterprises that may gain are tried; merging tries only enterprises with more
//! visits than their stabbing count, and it and ejection are each bounded to 64 day
//! checks per request (ejection skips agency-days where nothing could move); the
//! inspector pass is linear in team slots; 6b lists the requests left out by agency
//! and day of their window, O(their windows). Measured (instructions, callgrind, generated
//! 160,000-request quarters) the default run with 3c, 6b and 64 blockers costs 6 %
//! more than without them with ample capacity and 40 % more with capacity binding
//! (where it schedules 3,880 more requests with 1.0048 × the lower bound's visits, not
//! 1.020).
//! Memory is a few dozen bytes per request beyond the problem itself, plus a days ×
//! inspectors table (day-major, so a day's roster is contiguous). A visit keeps its
//! requests, teams and members inline (up to 3, 2 and 3; 120 bytes in all) so a
//! million visits do not cost millions of allocations. The JSON of
//! [`plan_to_json`] is written by hand from the planner's state (the same bytes as
//! serde_json's, tested on ids needing escapes) with the ids copied once into contiguous
//! tables.
//!
//! # Choices where the contract is silent
//!
//! - **New visit ids**: `P000001`, `P000002`, … in (date, enterprise) order, skipping any
//!   id a locked visit already uses (so they never collide; a re-plan with the previous
//!   plan's visits locked keeps their ids).
//! - **Order inside a visit**: requests by id; agencies by id; inspectors by id
//!   (a locked visit's given team lists are sorted too; nothing is dropped).
//! - **Locked visits**: kept as given. New requests join one only if its date is open
//!   for the enterprise and inside their window. A team of a locked visit may grow (new
//!   inspectors added for a larger new request), never shrink. Every known inspector
//!   named in a locked visit is busy that day. An agency *takes part* in a visit when it
//!   has a team or a request in it (rule 4). A locked visit outside the horizon is kept
//!   but takes no new requests. Unknown agencies or inspectors in a locked team are kept
//!   verbatim and bind nothing.
//! - **Reason `agency_capacity`** is read literally: some open day of the window has
//!   its agency at capacity.
//! - **Horizon** longer than 3,660 days is refused (`horizon: … longer than …`): the
//!   planner keeps per-day tables. Dates of windows, quiet periods and unavailability
//!   outside the horizon simply do not matter. A conflict naming an enterprise not in
//!   the problem binds nothing. Unknown JSON fields are ignored.
//! - **Re-planning** with the previous plan's visits locked plus one new non-urgent
//!   request changes nothing but that request's visit (tested). An *urgent* newcomer
//!   that joins a counted visit un-counts it (rule 5) and so may free a cap slot that a
//!   request left out before now takes: the objective order wants that.
//! - **Urgent first** is a priority, not an exact maximisation: urgent requests take
//!   resources before any other request, and never meet the burden cap.
//! - **Optimality**: none is claimed. On tiny generated problems (two weeks, two or
//!   three enterprises, up to seven requests) a test compares the planner with an
//!   exact branch and bound: all of its 300 seeds reach the optimum, but 9 of the
//!   next 1,000 did not (the README gives the split).
//! - **Inspector matching is greedy**: conflicted visits first, least loaded first, and
//!   no augmenting paths. With conflicts of interest a request can thus be refused
//!   `no_inspector` where swapping the people of two visits would have made room; it is
//!   never refused while free, eligible people exist as the plan stands (tested).
//! - **`place`**: prefers joining (fewest extra inspectors, then latest day), else a new
//!   visit on the latest open day that allows one; it proposes the least-loaded free
//!   eligible inspectors; a malformed request gives [`Placement::Invalid`].

mod eject;
pub mod generate;
pub mod jobs;
mod merge;
mod model;
pub mod periodic;
mod place;
mod plan;
mod planner;
mod problem;
mod render;
mod reopt;
mod small;
mod state;
mod swap;

pub use model::MAX_HORIZON_DAYS;
pub use place::{Placement, PlanIndex, place};
pub use plan::{Plan, Reason, Stats, Unscheduled};
pub use planner::{
    PlanOptions, PlanOutput, plan, plan_json, plan_json_output, plan_json_output_with,
    plan_to_json, plan_to_json_with, plan_with,
};
pub use problem::{
    AgencySpec, AgencyTeam, CalendarLists, EnterpriseSpec, Horizon, InspectorSpec, Problem,
    ProblemError, Request, Visit,
};
