//! sea-orm entities, one per table, with their relations. They are the storage shape
//! only: the API speaks in its own views and the rules live in the domain crate. A
//! status or kind column holds a domain word ([`Stored`]), so the code compares enums,
//! not strings.

pub mod agency;
pub mod audit_entry;
pub mod booking_response;
pub mod calendar_feed;
pub mod calendar_year;
pub mod district;
pub mod draw_record;
pub mod enterprise;
pub mod evidence_file;
pub mod hazard;
pub mod hazard_event;
pub mod hazard_notice;
pub mod idempotency_key;
pub mod inspection_plan;
pub mod inspection_request;
pub mod inspector;
pub mod inspector_conflict;
pub mod inspector_draw;
pub mod inspector_unavailable_day;
pub mod job_run;
pub mod joint_visit;
pub mod login_throttle;
pub mod outbox;
pub mod plan_request;
pub mod quiet_period;
pub mod schedule_version;
pub mod scheduling_ask;
pub mod session;
mod stored;
pub mod tipoff;
pub mod tipoff_request;
pub mod user;
pub mod visit_event;
pub mod visit_inspector;
pub mod visit_team;
pub mod webhook;

pub use stored::Stored;
