//! Hazards (隐患): what a joint visit finds, and their way to a verified close (整改销号).
//!
//! - [`vocab`]: category, severity, legal basis, long text, references to visits and
//!   evidence, the visit a hazard was found in and its responsible agency;
//! - [`deadline`]: rectification deadlines per severity and the re-inspection window;
//! - [`finding`]: a hazard as recorded in a visit;
//! - [`lifecycle`]: the state machine over an append-only history of events;
//! - [`notice`]: the numbers of hazard lists (整改通知).

pub mod deadline;
pub mod finding;
pub mod lifecycle;
pub mod notice;
pub mod vocab;

pub use deadline::DeadlinePolicy;
pub use finding::{Finding, FindingInput};
pub use lifecycle::{
    Actor, At, FollowUpNeed, Hazard, HazardEvent, HazardEventKind, HazardStatus, HazardStep,
    HazardStepError, MAX_EVIDENCE, PendingExtension, ReplayError, Submission,
};
pub use notice::{NoticeError, NoticeNumber};
pub use vocab::{
    EvidenceRef, HazardCategory, HazardError, LegalBasis, LongText, ResponsibleAgency, Severity,
    VisitContext, VisitRef,
};
