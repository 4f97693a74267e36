//! OneVisit's service: HTTP API (axum), persistence (sea-orm) and the wiring that
//! runs them. The rules live in `onevisit-domain`, the planner in `onevisit-scheduler`.

pub mod app;
pub mod audit;
pub mod auth;
pub mod booking;
pub mod clock;
pub mod db;
pub mod entities;
pub mod export;
pub mod hazards;
pub mod http;
pub mod jobs;
pub mod outbox;
pub mod periodic;
pub mod planning;
pub mod replan;
pub mod review;
pub mod schedule_pages;
pub mod seed;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use app::{AppState, Application, ServeConfig, StartError};
