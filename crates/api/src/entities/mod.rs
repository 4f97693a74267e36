//! sea-orm entities, one per table. They are the storage shape only: the API speaks
//! in its own types and the rules live in the domain crate.

pub mod agency;
pub mod audit_entry;
pub mod booking_response;
pub mod calendar_feed;
pub mod calendar_year;
pub mod enterprise;
pub mod evidence_file;
pub mod hazard;
pub mod hazard_event;
pub mod hazard_notice;
pub mod inspection_request;
pub mod inspector;
pub mod inspector_conflict;
pub mod inspector_unavailable_day;
pub mod joint_visit;
pub mod login_throttle;
pub mod quiet_period;
pub mod user;
pub mod visit_event;
pub mod visit_inspector;
pub mod visit_team;
