//! The life of a hazard, from finding to verified close (整改销号), as a state machine
//! over an append-only history of events.
//!
//! ```text
//!            submit_rectification (enterprise)
//!   open ─────────────────────────────────────▶ rectification_submitted
//!    ▲                                              │            │
//!    └──────── reject, with a reason ───────────────┘            │ close (responsible agency;
//!              (responsible agency)                              ▼  a major hazard only on a
//!                                                             closed  re-inspection visit)
//! ```
//!
//! Beside the status, an open hazard's enterprise may ask for a later deadline with a
//! reason (`request_extension`); the coordinating office approves or refuses it. While
//! a request is pending no other can be made; closing the hazard lets it lapse.
//!
//! Nothing is ever changed in place: every step appends a [`HazardEvent`], and the
//! hazard's state is what applying its events in order gives ([`Hazard::replay`]).
//! Time is always passed in by the caller, never read from a clock.

use super::deadline::DeadlinePolicy;
use super::finding::Finding;
use super::vocab::{EvidenceRef, LongText, VisitContext, VisitRef};
use crate::agency::AgencyCode;
use crate::calendar::WorkCalendar;
use crate::credit_code::CreditCode;
use crate::dates::DateRange;
use crate::request::{InspectionRequest, RequestKind, TeamSize};
use crate::text::{Name, TextError};
use crate::words::word_enum;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// When something happened: a timestamp with the offset it was taken in. Its day
/// (`date_naive`) is the day in that offset, so pass local (China Standard Time,
/// +08:00) timestamps for the days to match the visits' days.
pub type At = DateTime<FixedOffset>;

word_enum!(
    /// Where a hazard stands.
    HazardStatus, "status", {
        /// Found and issued; the enterprise is to fix it.
        Open => "open",
        /// The enterprise says it is fixed; the responsible agency is to verify.
        RectificationSubmitted => "rectification_submitted",
        /// Verified and struck off (销号). Final.
        Closed => "closed",
    }
);

word_enum!(
    /// What can be done to a hazard after it is recorded.
    HazardStep, "step", {
        SubmitRectification => "submit_rectification",
        Close => "close",
        Reject => "reject",
        RequestExtension => "request_extension",
        ApproveExtension => "approve_extension",
        RefuseExtension => "refuse_extension",
    }
);

/// Who takes a step. The enterprise is the one the hazard was found at, the agency
/// is named by its code; the API checks that the caller is who it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Enterprise,
    Agency(AgencyCode),
    /// The coordinating office (化治办 / 安委办).
    Office,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Enterprise => f.write_str("the enterprise"),
            Self::Agency(code) => write!(f, "agency {code}"),
            Self::Office => f.write_str("the office"),
        }
    }
}

fn article(status: HazardStatus) -> &'static str {
    match status {
        HazardStatus::Open => "an",
        HazardStatus::RectificationSubmitted | HazardStatus::Closed => "a",
    }
}

fn join_steps(steps: &[HazardStep]) -> String {
    if steps.is_empty() {
        "none".to_owned()
    } else {
        steps
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn status_word(status: Option<HazardStatus>) -> &'static str {
    status.map_or("none", HazardStatus::as_str)
}

/// Why a step (or a recorded event, on replay) was refused.
///
/// [`HazardStepError::allowed`] is `Some` for the refusals of the state machine
/// (answer 409 with those steps); [`HazardStepError::WrongActor`] and
/// [`HazardStepError::NotRecorder`] are refusals of permission (403); the rest are
/// bad input (422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HazardStepError {
    #[error("status: {} {status} hazard cannot {step}; allowed: {}", article(*.status), join_steps(.allowed))]
    IllegalStep {
        status: HazardStatus,
        step: HazardStep,
        allowed: Vec<HazardStep>,
    },
    #[error("actor: {actor} may not {step} this hazard; only {expected} may")]
    WrongActor {
        step: HazardStep,
        actor: Actor,
        expected: Actor,
    },
    #[error(
        "actor: {actor} may not record a hazard of this visit; only its agencies or the office may"
    )]
    NotRecorder { actor: Actor },
    #[error("at: {day} is before the visit day {visit_day}")]
    BeforeVisit {
        day: NaiveDate,
        visit_day: NaiveDate,
    },
    #[error("at: {at} is before the previous event at {previous}")]
    OutOfOrder { at: At, previous: At },
    #[error("rectification: {0}")]
    Rectification(TextError),
    #[error("evidence: at least one file is required")]
    NoEvidence,
    #[error("evidence: at most {max} files, got {got}")]
    TooMuchEvidence { max: usize, got: usize },
    #[error("evidence[{index}]: {evidence} is named twice")]
    DuplicateEvidence { index: usize, evidence: EvidenceRef },
    #[error("reason: {0}")]
    Reason(TextError),
    #[error("note: {0}")]
    Note(TextError),
    #[error("reinspection: a major hazard is closed only on a re-inspection visit")]
    ReinspectionRequired,
    #[error("reinspection: visit {visit} is the visit that found the hazard")]
    ReinspectionSameVisit { visit: VisitRef },
    #[error("reinspection: visit {visit} is at enterprise {found}, not {expected}")]
    ReinspectionEnterprise {
        visit: VisitRef,
        expected: CreditCode,
        found: CreditCode,
    },
    #[error("reinspection: the responsible agency {agency} did not take part in visit {visit}")]
    ReinspectionAgency { visit: VisitRef, agency: AgencyCode },
    #[error(
        "reinspection: visit {visit} on {day} is before the rectification was submitted on {submitted}"
    )]
    ReinspectionTooEarly {
        visit: VisitRef,
        day: NaiveDate,
        submitted: NaiveDate,
    },
    #[error("reinspection: visit {visit} on {day} is after the close on {closed}")]
    ReinspectionAfterClose {
        visit: VisitRef,
        day: NaiveDate,
        closed: NaiveDate,
    },
    #[error("deadline: the new deadline {new} must be after the current deadline {current}")]
    ExtensionNotLater { new: NaiveDate, current: NaiveDate },
    #[error("deadline: the new deadline {new} is before the day of the request {day}")]
    ExtensionInPast { new: NaiveDate, day: NaiveDate },
    #[error("events: a history starts with the recording of the hazard, and only once")]
    Recording,
    #[error(
        "follow_up: a major hazard's submission carries a re-inspection need for its responsible agency and enterprise starting on the day of submission, a general one none"
    )]
    FollowUpMismatch,
    #[error("new_deadline: {recorded} is not the pending request's {pending}")]
    ExtensionMismatch {
        recorded: NaiveDate,
        pending: NaiveDate,
    },
    #[error(
        "status: the event says {} to {claimed_to}, but the hazard went {} to {to}",
        status_word(*.claimed_from),
        status_word(*.from)
    )]
    StatusMismatch {
        claimed_from: Option<HazardStatus>,
        claimed_to: HazardStatus,
        from: Option<HazardStatus>,
        to: HazardStatus,
    },
}

impl HazardStepError {
    /// The steps allowed instead, when the state machine refused the step.
    pub fn allowed(&self) -> Option<&[HazardStep]> {
        match self {
            Self::IllegalStep { allowed, .. } => Some(allowed),
            _ => None,
        }
    }
}

/// An event of a stored history that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("events[{index}]: {source}")]
pub struct ReplayError {
    pub index: usize,
    pub source: HazardStepError,
}

/// A re-inspection the caller must arrange: submitting a major hazard's rectification
/// needs the responsible agency back at the enterprise within `window` (from the day of
/// submission to [`DeadlinePolicy::follow_up_working_days`] working days later).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FollowUpNeed {
    pub agency: AgencyCode,
    pub enterprise: CreditCode,
    pub window: DateRange,
}

impl FollowUpNeed {
    pub fn earliest(&self) -> NaiveDate {
        self.window.start()
    }

    pub fn latest(&self) -> NaiveDate {
        self.window.end()
    }

    /// The follow-up inspection request that meets this need, for the planner to merge
    /// into the enterprise's next joint visit.
    pub fn to_request(&self, team_size: TeamSize, topics: Vec<Name>) -> InspectionRequest {
        InspectionRequest {
            agency: self.agency.clone(),
            enterprise: self.enterprise.clone(),
            window: self.window,
            team_size,
            kind: RequestKind::FollowUp,
            topics,
        }
    }
}

/// What submitting a rectification asks of the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use = "a major hazard's submission needs a follow-up inspection request"]
pub struct Submission {
    /// `Some` for a major hazard: book this re-inspection.
    pub follow_up: Option<FollowUpNeed>,
}

/// A request for a later deadline awaiting the office's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingExtension {
    pub requested_at: At,
    pub new_deadline: NaiveDate,
    pub reason: LongText,
}

/// What happened, with what each kind of step carries. The `note` of the event holds
/// the rectification text, the rejection or extension reason, or a remark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum HazardEventKind {
    /// The finding was recorded. Always the first event, and only the first.
    Recorded,
    RectificationSubmitted {
        evidence: Vec<EvidenceRef>,
        follow_up: Option<FollowUpNeed>,
    },
    Rejected,
    Closed {
        /// The re-inspection visit the close was recorded on.
        reinspection: Option<VisitContext>,
    },
    ExtensionRequested {
        new_deadline: NaiveDate,
    },
    ExtensionApproved {
        new_deadline: NaiveDate,
    },
    ExtensionRefused,
}

impl HazardEventKind {
    /// The step this event records (`None` for the recording).
    pub fn step(&self) -> Option<HazardStep> {
        Some(match self {
            Self::Recorded => return None,
            Self::RectificationSubmitted { .. } => HazardStep::SubmitRectification,
            Self::Rejected => HazardStep::Reject,
            Self::Closed { .. } => HazardStep::Close,
            Self::ExtensionRequested { .. } => HazardStep::RequestExtension,
            Self::ExtensionApproved { .. } => HazardStep::ApproveExtension,
            Self::ExtensionRefused => HazardStep::RefuseExtension,
        })
    }
}

/// One entry of a hazard's history: who did what when, from which status to which, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardEvent {
    pub at: At,
    pub actor: Actor,
    pub kind: HazardEventKind,
    /// `None` for the recording.
    pub from_status: Option<HazardStatus>,
    pub to_status: HazardStatus,
    pub note: Option<LongText>,
}

/// What the history of a hazard adds up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct HazardState {
    status: HazardStatus,
    deadline: NaiveDate,
    pending_extension: Option<PendingExtension>,
    last_submission: Option<NaiveDate>,
    closed_on: Option<NaiveDate>,
    reinspection: Option<VisitRef>,
    updated_at: At,
}

/// A hazard: its finding, its history and the state the history gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hazard {
    finding: Finding,
    #[serde(flatten)]
    state: HazardState,
    events: Vec<HazardEvent>,
}

/// The most evidence files one submission may name.
pub const MAX_EVIDENCE: usize = 50;

fn allowed_steps(state: &HazardState) -> Vec<HazardStep> {
    let pending = state.pending_extension.is_some();
    let mut steps = match state.status {
        HazardStatus::Open if pending => vec![HazardStep::SubmitRectification],
        HazardStatus::Open => vec![
            HazardStep::SubmitRectification,
            HazardStep::RequestExtension,
        ],
        HazardStatus::RectificationSubmitted => vec![HazardStep::Close, HazardStep::Reject],
        HazardStatus::Closed => return Vec::new(),
    };
    if pending {
        steps.extend([HazardStep::ApproveExtension, HazardStep::RefuseExtension]);
    }
    steps
}

fn who_may(finding: &Finding, step: HazardStep) -> Actor {
    match step {
        HazardStep::SubmitRectification | HazardStep::RequestExtension => Actor::Enterprise,
        HazardStep::Close | HazardStep::Reject => {
            Actor::Agency(finding.responsible_agency().code().clone())
        }
        HazardStep::ApproveExtension | HazardStep::RefuseExtension => Actor::Office,
    }
}

fn guard(
    finding: &Finding,
    state: &HazardState,
    step: HazardStep,
    actor: &Actor,
) -> Result<(), HazardStepError> {
    let allowed = allowed_steps(state);
    if !allowed.contains(&step) {
        return Err(HazardStepError::IllegalStep {
            status: state.status,
            step,
            allowed,
        });
    }
    let expected = who_may(finding, step);
    if *actor != expected {
        return Err(HazardStepError::WrongActor {
            step,
            actor: actor.clone(),
            expected,
        });
    }
    Ok(())
}

fn check_evidence(evidence: &[EvidenceRef]) -> Result<(), HazardStepError> {
    if evidence.is_empty() {
        return Err(HazardStepError::NoEvidence);
    }
    if evidence.len() > MAX_EVIDENCE {
        return Err(HazardStepError::TooMuchEvidence {
            max: MAX_EVIDENCE,
            got: evidence.len(),
        });
    }
    let mut seen = BTreeSet::new();
    for (index, e) in evidence.iter().enumerate() {
        if !seen.insert(e) {
            return Err(HazardStepError::DuplicateEvidence {
                index,
                evidence: e.clone(),
            });
        }
    }
    Ok(())
}

fn check_reinspection(
    finding: &Finding,
    submitted: Option<NaiveDate>,
    visit: &VisitContext,
    closed: NaiveDate,
) -> Result<(), HazardStepError> {
    let id = || visit.id().clone();
    if visit.id() == finding.visit().id() {
        return Err(HazardStepError::ReinspectionSameVisit { visit: id() });
    }
    if visit.enterprise() != finding.visit().enterprise() {
        return Err(HazardStepError::ReinspectionEnterprise {
            visit: id(),
            expected: finding.visit().enterprise().clone(),
            found: visit.enterprise().clone(),
        });
    }
    let agency = finding.responsible_agency().code();
    if !visit.took_part(agency) {
        return Err(HazardStepError::ReinspectionAgency {
            visit: id(),
            agency: agency.clone(),
        });
    }
    if let Some(submitted) = submitted
        && visit.day() < submitted
    {
        return Err(HazardStepError::ReinspectionTooEarly {
            visit: id(),
            day: visit.day(),
            submitted,
        });
    }
    if visit.day() > closed {
        return Err(HazardStepError::ReinspectionAfterClose {
            visit: id(),
            day: visit.day(),
            closed,
        });
    }
    Ok(())
}

/// The state after `event`, if the event is a legal step from `state`. Every step,
/// live or replayed, goes through here.
fn apply(
    finding: &Finding,
    state: &HazardState,
    event: &HazardEvent,
) -> Result<HazardState, HazardStepError> {
    let step = event.kind.step().ok_or(HazardStepError::Recording)?;
    if event.at < state.updated_at {
        return Err(HazardStepError::OutOfOrder {
            at: event.at,
            previous: state.updated_at,
        });
    }
    guard(finding, state, step, &event.actor)?;
    let day = event.at.date_naive();
    let mut next = state.clone();
    next.updated_at = event.at;
    let required_note = |wrap: fn(TextError) -> HazardStepError| {
        event.note.clone().ok_or_else(|| wrap(TextError::Empty))
    };
    match &event.kind {
        HazardEventKind::Recorded => return Err(HazardStepError::Recording),
        HazardEventKind::RectificationSubmitted {
            evidence,
            follow_up,
        } => {
            required_note(HazardStepError::Rectification)?;
            check_evidence(evidence)?;
            let consistent = match follow_up {
                Some(need) => {
                    finding.severity().needs_reinspection()
                        && need.agency == *finding.responsible_agency().code()
                        && need.enterprise == *finding.visit().enterprise()
                        && need.window.start() == day
                }
                None => !finding.severity().needs_reinspection(),
            };
            if !consistent {
                return Err(HazardStepError::FollowUpMismatch);
            }
            next.status = HazardStatus::RectificationSubmitted;
            next.last_submission = Some(day);
        }
        HazardEventKind::Rejected => {
            required_note(HazardStepError::Reason)?;
            next.status = HazardStatus::Open;
        }
        HazardEventKind::Closed { reinspection } => {
            match reinspection {
                None if finding.severity().needs_reinspection() => {
                    return Err(HazardStepError::ReinspectionRequired);
                }
                None => {}
                Some(visit) => check_reinspection(finding, state.last_submission, visit, day)?,
            }
            next.status = HazardStatus::Closed;
            next.closed_on = Some(day);
            next.reinspection = reinspection.as_ref().map(|v| v.id().clone());
            next.pending_extension = None;
        }
        HazardEventKind::ExtensionRequested { new_deadline } => {
            let reason = required_note(HazardStepError::Reason)?;
            if *new_deadline <= state.deadline {
                return Err(HazardStepError::ExtensionNotLater {
                    new: *new_deadline,
                    current: state.deadline,
                });
            }
            if *new_deadline < day {
                return Err(HazardStepError::ExtensionInPast {
                    new: *new_deadline,
                    day,
                });
            }
            next.pending_extension = Some(PendingExtension {
                requested_at: event.at,
                new_deadline: *new_deadline,
                reason,
            });
        }
        HazardEventKind::ExtensionApproved { new_deadline } => {
            if let Some(pending) = &state.pending_extension
                && pending.new_deadline != *new_deadline
            {
                return Err(HazardStepError::ExtensionMismatch {
                    recorded: *new_deadline,
                    pending: pending.new_deadline,
                });
            }
            next.deadline = *new_deadline;
            next.pending_extension = None;
        }
        HazardEventKind::ExtensionRefused => {
            required_note(HazardStepError::Reason)?;
            next.pending_extension = None;
        }
    }
    if event.from_status != Some(state.status) || event.to_status != next.status {
        return Err(HazardStepError::StatusMismatch {
            claimed_from: event.from_status,
            claimed_to: event.to_status,
            from: Some(state.status),
            to: next.status,
        });
    }
    Ok(next)
}

fn optional_note(note: Option<&str>) -> Result<Option<LongText>, HazardStepError> {
    note.filter(|n| !n.trim().is_empty())
        .map(LongText::parse)
        .transpose()
        .map_err(HazardStepError::Note)
}

impl Hazard {
    /// Records a finding at `at`, by an agency that took part in the visit or by the
    /// office, on or after the visit day. The hazard starts open.
    pub fn record(finding: Finding, at: At, actor: Actor) -> Result<Self, HazardStepError> {
        let event = HazardEvent {
            at,
            actor,
            kind: HazardEventKind::Recorded,
            from_status: None,
            to_status: HazardStatus::Open,
            note: None,
        };
        Self::start(finding, event)
    }

    fn start(finding: Finding, event: HazardEvent) -> Result<Self, HazardStepError> {
        if event.kind != HazardEventKind::Recorded {
            return Err(HazardStepError::Recording);
        }
        let may_record = match &event.actor {
            Actor::Agency(code) => finding.visit().took_part(code),
            Actor::Office => true,
            Actor::Enterprise => false,
        };
        if !may_record {
            return Err(HazardStepError::NotRecorder { actor: event.actor });
        }
        let day = event.at.date_naive();
        if day < finding.visit().day() {
            return Err(HazardStepError::BeforeVisit {
                day,
                visit_day: finding.visit().day(),
            });
        }
        if event.from_status.is_some() || event.to_status != HazardStatus::Open {
            return Err(HazardStepError::StatusMismatch {
                claimed_from: event.from_status,
                claimed_to: event.to_status,
                from: None,
                to: HazardStatus::Open,
            });
        }
        let state = HazardState {
            status: HazardStatus::Open,
            deadline: finding.deadline(),
            pending_extension: None,
            last_submission: None,
            closed_on: None,
            reinspection: None,
            updated_at: event.at,
        };
        Ok(Self {
            finding,
            state,
            events: vec![event],
        })
    }

    /// The hazard a stored history gives, checking every event as if it were taken now.
    pub fn replay(finding: Finding, events: Vec<HazardEvent>) -> Result<Self, ReplayError> {
        let mut events = events.into_iter();
        let first = events.next().ok_or(ReplayError {
            index: 0,
            source: HazardStepError::Recording,
        })?;
        let mut hazard =
            Self::start(finding, first).map_err(|source| ReplayError { index: 0, source })?;
        for (index, event) in events.enumerate() {
            hazard.push(event).map_err(|source| ReplayError {
                index: index + 1,
                source,
            })?;
        }
        Ok(hazard)
    }

    fn push(&mut self, event: HazardEvent) -> Result<(), HazardStepError> {
        self.state = apply(&self.finding, &self.state, &event)?;
        self.events.push(event);
        Ok(())
    }

    fn guard(&self, step: HazardStep, actor: &Actor) -> Result<(), HazardStepError> {
        guard(&self.finding, &self.state, step, actor)
    }

    fn event(
        &self,
        at: At,
        actor: Actor,
        kind: HazardEventKind,
        to_status: HazardStatus,
        note: Option<LongText>,
    ) -> HazardEvent {
        HazardEvent {
            at,
            actor,
            kind,
            from_status: Some(self.state.status),
            to_status,
            note,
        }
    }

    /// The enterprise reports the hazard fixed, with a description and at least one
    /// evidence file. For a major hazard the returned [`Submission`] names the
    /// re-inspection to book.
    pub fn submit_rectification(
        &mut self,
        at: At,
        actor: Actor,
        text: &str,
        evidence: Vec<EvidenceRef>,
        policy: &DeadlinePolicy,
        calendar: &WorkCalendar,
    ) -> Result<Submission, HazardStepError> {
        self.guard(HazardStep::SubmitRectification, &actor)?;
        let text = LongText::parse(text).map_err(HazardStepError::Rectification)?;
        let follow_up = self
            .finding
            .severity()
            .needs_reinspection()
            .then(|| FollowUpNeed {
                agency: self.finding.responsible_agency().code().clone(),
                enterprise: self.finding.visit().enterprise().clone(),
                window: policy.follow_up_window(at.date_naive(), calendar),
            });
        let kind = HazardEventKind::RectificationSubmitted {
            evidence,
            follow_up: follow_up.clone(),
        };
        let event = self.event(
            at,
            actor,
            kind,
            HazardStatus::RectificationSubmitted,
            Some(text),
        );
        self.push(event)?;
        Ok(Submission { follow_up })
    }

    /// The responsible agency verifies the rectification and closes the hazard. A major
    /// hazard needs `reinspection`: a later visit to the same enterprise, in which the
    /// responsible agency took part, on or after the submission and not after today.
    pub fn close(
        &mut self,
        at: At,
        actor: Actor,
        reinspection: Option<VisitContext>,
        note: Option<&str>,
    ) -> Result<(), HazardStepError> {
        self.guard(HazardStep::Close, &actor)?;
        let note = optional_note(note)?;
        let kind = HazardEventKind::Closed { reinspection };
        let event = self.event(at, actor, kind, HazardStatus::Closed, note);
        self.push(event)
    }

    /// The responsible agency finds the rectification wanting: back to open, with a reason.
    pub fn reject(&mut self, at: At, actor: Actor, reason: &str) -> Result<(), HazardStepError> {
        self.guard(HazardStep::Reject, &actor)?;
        let reason = LongText::parse(reason).map_err(HazardStepError::Reason)?;
        let event = self.event(
            at,
            actor,
            HazardEventKind::Rejected,
            HazardStatus::Open,
            Some(reason),
        );
        self.push(event)
    }

    /// The enterprise asks for a later deadline, with a reason; it waits for the office.
    pub fn request_extension(
        &mut self,
        at: At,
        actor: Actor,
        new_deadline: NaiveDate,
        reason: &str,
    ) -> Result<(), HazardStepError> {
        self.guard(HazardStep::RequestExtension, &actor)?;
        let reason = LongText::parse(reason).map_err(HazardStepError::Reason)?;
        let kind = HazardEventKind::ExtensionRequested { new_deadline };
        let event = self.event(at, actor, kind, self.state.status, Some(reason));
        self.push(event)
    }

    /// The office approves the pending extension: the deadline moves.
    pub fn approve_extension(
        &mut self,
        at: At,
        actor: Actor,
        note: Option<&str>,
    ) -> Result<(), HazardStepError> {
        self.guard(HazardStep::ApproveExtension, &actor)?;
        let note = optional_note(note)?;
        let new_deadline = self
            .state
            .pending_extension
            .as_ref()
            .map_or(self.state.deadline, |p| p.new_deadline);
        let kind = HazardEventKind::ExtensionApproved { new_deadline };
        let event = self.event(at, actor, kind, self.state.status, note);
        self.push(event)
    }

    /// The office refuses the pending extension, with a reason: the deadline stays.
    pub fn refuse_extension(
        &mut self,
        at: At,
        actor: Actor,
        reason: &str,
    ) -> Result<(), HazardStepError> {
        self.guard(HazardStep::RefuseExtension, &actor)?;
        let reason = LongText::parse(reason).map_err(HazardStepError::Reason)?;
        let kind = HazardEventKind::ExtensionRefused;
        let event = self.event(at, actor, kind, self.state.status, Some(reason));
        self.push(event)
    }

    pub fn finding(&self) -> &Finding {
        &self.finding
    }

    pub fn status(&self) -> HazardStatus {
        self.state.status
    }

    /// The current deadline: the finding's, or the last approved extension's.
    pub fn deadline(&self) -> NaiveDate {
        self.state.deadline
    }

    pub fn pending_extension(&self) -> Option<&PendingExtension> {
        self.state.pending_extension.as_ref()
    }

    /// The day the last rectification was submitted.
    pub fn last_submission(&self) -> Option<NaiveDate> {
        self.state.last_submission
    }

    pub fn closed_on(&self) -> Option<NaiveDate> {
        self.state.closed_on
    }

    /// The visit the close was recorded on, if any.
    pub fn reinspection(&self) -> Option<&VisitRef> {
        self.state.reinspection.as_ref()
    }

    /// The time of the last event.
    pub fn updated_at(&self) -> At {
        self.state.updated_at
    }

    /// The history, oldest first; it only ever grows.
    pub fn events(&self) -> &[HazardEvent] {
        &self.events
    }

    /// The steps the hazard allows now, whoever takes them.
    pub fn allowed_steps(&self) -> Vec<HazardStep> {
        allowed_steps(&self.state)
    }

    /// Who may take `step` on this hazard.
    pub fn who_may(&self, step: HazardStep) -> Actor {
        who_may(&self.finding, step)
    }

    /// Past its deadline and not closed. A submitted rectification awaiting verification
    /// still counts: the hazard is struck off only when closed.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.state.status != HazardStatus::Closed && today > self.state.deadline
    }

    /// How many days past its deadline the hazard is on `today`; 0 if not overdue.
    pub fn days_overdue(&self, today: NaiveDate) -> u32 {
        if self.is_overdue(today) {
            u32::try_from((today - self.state.deadline).num_days()).unwrap_or(u32::MAX)
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests;
