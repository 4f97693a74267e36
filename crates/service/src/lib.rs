//! OneVisit's service layer: persistence (sea-orm) and the operations users perform
//! (book, re-plan, record a hazard, confirm a visit, fire a periodic plan, deliver the
//! outbox). No HTTP here: `onevisit-api` translates requests into these calls and their
//! errors ([`ServiceError`] and each operation's own) into problem documents.
//!
//! The rules live in `onevisit-domain`, the planner in `onevisit-scheduler`.

pub mod access;
pub mod accounts;
pub mod agencies;
pub mod audit;
pub mod booking;
pub mod calendar_feeds;
mod caller;
pub mod clock;
pub mod db;
pub mod draws;
pub mod enterprises;
pub mod entities;
mod error;
pub mod export;
pub mod hazards;
pub mod idempotency;
pub mod inspection_plans;
pub mod inspectors;
pub mod jobs;
pub mod my_visits;
pub mod names;
pub mod outbox;
pub mod password;
pub mod periodic;
pub mod planning;
pub mod plans;
pub mod portal;
pub mod replan;
pub mod requests;
pub mod review;
pub mod scheduling_asks;
pub mod seed;
pub mod sessions;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod throttle;
pub mod tipoffs;
pub mod verification;
pub mod views;
pub mod visit_actions;
pub mod visits;
pub mod webhooks;

pub use caller::{Caller, Role};
pub use error::{FieldError, ServiceError};
