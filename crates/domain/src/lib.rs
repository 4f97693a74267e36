//! OneVisit's vocabulary and rules.
//!
//! Pure: no I/O, no database, no async. Every type here is built through a
//! constructor or `parse` that refuses bad values with a typed error, so a
//! value that exists is a valid one ("parse, don't validate").

pub mod agency;
pub mod calendar;
pub mod credit_code;
pub mod dates;
pub mod enterprise;
pub mod hazard;
pub mod inspector;
pub mod request;
pub mod scheduling;
pub mod text;
pub mod visit;
mod words;

pub use agency::{Agency, AgencyCode, AgencyError, DailyCapacity};
pub use calendar::{CalendarError, CalendarYear, WorkCalendar};
pub use credit_code::{CreditCode, CreditCodeError};
pub use dates::{DateRange, DateRangeError, Quarter, QuarterError};
pub use enterprise::{
    BurdenCap, Enterprise, EnterpriseError, EnterpriseInput, EnterpriseStatus, QuietPeriod,
    RiskMarkers, Sector,
};
pub use hazard::{
    Actor, DeadlinePolicy, Finding, FindingInput, Hazard, HazardCategory, HazardError, HazardEvent,
    HazardStatus, HazardStep, HazardStepError, NoticeNumber, Severity,
};
pub use inspector::{Inspector, InspectorCode, InspectorError};
pub use request::{InspectionRequest, RequestError, RequestKind, RequestStatus, TeamSize};
pub use scheduling::{AskKind, AskStatus};
pub use text::{Name, TextError};
pub use visit::{JointVisit, VisitError, VisitStatus};
pub use words::{UnknownWord, Word};
