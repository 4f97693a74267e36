//! OneVisit's HTTP face: routing, extractors, sign-in (JWT and cookie sessions), the
//! OpenAPI document, the server-rendered pages, and the one mapping of service errors
//! to problem documents. A handler extracts, calls the service (`onevisit-service`),
//! and maps the answer; the wiring that runs it all is in [`app`].

pub mod app;
pub mod auth;
pub mod http;
pub mod schedule_pages;

pub use app::{AppState, Application, ServeConfig, StartError};
