//! Two-way scheduling: what an enterprise may ask the coordinating office about its own
//! schedule (a quiet period for a shutdown or turnaround, an inspector's recusal before
//! an announced visit), and how an ask is decided: once, from pending to approved or
//! refused.

use crate::words::word_enum;

word_enum!(
    /// What an enterprise asks for.
    AskKind, "kind", {
        /// Days the enterprise must not be visited (a planned shutdown, a turnaround).
        QuietPeriod => "quiet_period",
        /// An inspector stands down from the enterprise's visits (a conflict of interest).
        Recusal => "recusal",
    }
);

word_enum!(
    /// Where an ask stands.
    AskStatus, "status", {
        /// Waiting for the office.
        Pending => "pending",
        /// The office approved it: it binds the planner or the team draw. Final.
        Approved => "approved",
        /// The office refused it, with a note. Final.
        Refused => "refused",
    }
);

/// An ask that was decided already.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("status: the ask is {0} already; only a pending ask is decided")]
pub struct AlreadyDecided(pub AskStatus);

impl AskStatus {
    /// The status a decision gives: approved or refused, from pending only.
    pub fn decide(self, approve: bool) -> Result<Self, AlreadyDecided> {
        match self {
            Self::Pending if approve => Ok(Self::Approved),
            Self::Pending => Ok(Self::Refused),
            decided => Err(AlreadyDecided(decided)),
        }
    }
}

/// The longest quiet period one ask may declare: a quarter's worth of days, so that an
/// enterprise cannot take itself out of supervision by asking.
pub const MAX_QUIET_DAYS: u32 = 92;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pending_ask_is_decided() {
        assert_eq!(AskStatus::Pending.decide(true), Ok(AskStatus::Approved));
        assert_eq!(AskStatus::Pending.decide(false), Ok(AskStatus::Refused));
        assert_eq!(
            AskStatus::Approved.decide(false),
            Err(AlreadyDecided(AskStatus::Approved))
        );
        assert!(AskStatus::Refused.decide(true).is_err());
    }

    #[test]
    fn the_words_are_stored_as_snake_case() {
        assert_eq!(AskKind::QuietPeriod.as_str(), "quiet_period");
        assert_eq!("recusal".parse::<AskKind>(), Ok(AskKind::Recusal));
        assert!("paused".parse::<AskStatus>().is_err());
    }
}
