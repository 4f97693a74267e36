//! The service's clock: the system's time (or a fixed one in tests), shifted by an
//! offset that only tests move (a hazard's deadline or a re-inspection weeks later
//! cannot wait for real days). It is also the job runner's clock.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use onevisit_scheduler::jobs::{Clock as TimeSource, SystemClock};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// China Standard Time, UTC+8 (no daylight saving).
const CHINA_SECONDS: i32 = 8 * 3600;

/// Today in China (UTC+8, no daylight saving), whatever the server's time zone.
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// China Standard Time.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(CHINA_SECONDS).unwrap_or_else(|| Utc.fix())
}

/// Cheap to clone; clones share the offset.
#[derive(Debug, Clone)]
pub struct Clock {
    source: Arc<dyn TimeSource>,
    offset_seconds: Arc<AtomicI64>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::from_source(Arc::new(SystemClock))
    }
}

impl TimeSource for Clock {
    fn now(&self) -> DateTime<Utc> {
        Clock::now(self)
    }
}

impl Clock {
    /// A clock on `source`'s time: `FixedClock` makes a test's "now" a given moment.
    pub fn from_source(source: Arc<dyn TimeSource>) -> Self {
        Self {
            source,
            offset_seconds: Arc::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.source.now() + chrono::Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Now in China Standard Time, the offset the domain's days are counted in.
    pub fn china_now(&self) -> DateTime<FixedOffset> {
        self.now().with_timezone(&china())
    }

    /// Today in China.
    pub fn today(&self) -> NaiveDate {
        self.china_now().date_naive()
    }

    /// Moves the clock forward (tests only).
    #[cfg(any(test, feature = "test-support"))]
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_day_in_china_and_moves_with_the_clock() {
        let clock = Clock::default();
        assert_eq!(clock.today(), super::today());
        let shared = clock.clone();
        shared.advance(chrono::Duration::days(3));
        assert_eq!(clock.today(), super::today() + chrono::Days::new(3));
        assert_eq!(clock.china_now().offset().local_minus_utc(), CHINA_SECONDS);
    }
}
