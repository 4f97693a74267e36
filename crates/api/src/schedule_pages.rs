//! Enterprises' schedule pages (`GET /visits` as an enterprise), kept as the JSON they
//! were answered with, under the enterprise's schedule version
//! ([`onevisit_service::visits::schedule_version`]).
//!
//! Every change to what a schedule shows moves the enterprise's version on, in the
//! change's own transaction (triggers of migration 000015). A request reads the
//! version (one primary-key read) and answers from the cache only a page stored under
//! that same version: a page is never older than what the database held when the
//! request began, on any replica. The version is read before the page is built, so a
//! change committed in between moves the version past the stored one and the page is
//! built again by the next request.

use axum::body::Bytes;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use uuid::Uuid;

/// How many bytes of pages are kept; past it, old ones make room. (Bytes, not pages: an
/// enterprise could otherwise ask for many large pages under other filters.)
pub const BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// Which page: the enterprise, the day (unannounced visits show from their day on) and
/// the caller's filters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey<F> {
    pub enterprise: Uuid,
    pub today: NaiveDate,
    pub filter: F,
}

/// Each page with the version it was built at, and their bytes in all.
type Pages<F> = (HashMap<PageKey<F>, (i64, Bytes)>, usize);

/// The cached pages.
#[derive(Debug)]
pub struct SchedulePages<F> {
    pages: Mutex<Pages<F>>,
    budget: usize,
}

impl<F: Eq + Hash + Clone> Default for SchedulePages<F> {
    fn default() -> Self {
        Self::with_budget(BUDGET_BYTES)
    }
}

impl<F: Eq + Hash + Clone> SchedulePages<F> {
    /// A cache that keeps at most `budget` bytes of pages.
    pub fn with_budget(budget: usize) -> Self {
        Self {
            pages: Mutex::new((HashMap::new(), 0)),
            budget,
        }
    }

    /// The page stored for `key` at `version`, if there is one.
    pub fn get(&self, key: &PageKey<F>, version: i64) -> Option<Bytes> {
        let guard = self.pages.lock().ok()?;
        guard
            .0
            .get(key)
            .filter(|(at, _)| *at == version)
            .map(|(_, body)| body.clone())
    }

    /// Stores `body` for `key` as built at `version`, unless a newer one is there.
    pub fn put(&self, key: PageKey<F>, version: i64, body: Bytes) {
        if body.len() > self.budget {
            return;
        }
        let Ok(mut guard) = self.pages.lock() else {
            return;
        };
        let (pages, bytes) = &mut *guard;
        if pages.get(&key).is_some_and(|(at, _)| *at > version) {
            return;
        }
        if let Some((_, old)) = pages.remove(&key) {
            *bytes -= old.len();
        }
        while *bytes + body.len() > self.budget {
            let Some(old) = pages.keys().next().cloned() else {
                break;
            };
            if let Some((_, gone)) = pages.remove(&old) {
                *bytes -= gone.len();
            }
        }
        *bytes += body.len();
        pages.insert(key, (version, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u32) -> PageKey<u32> {
        PageKey {
            enterprise: Uuid::nil(),
            today: NaiveDate::from_ymd_opt(2026, 11, 9).expect("date"),
            filter: n,
        }
    }

    #[test]
    fn a_page_answers_only_at_its_own_version() {
        let pages = SchedulePages::default();
        pages.put(key(1), 3, Bytes::from_static(b"v3"));
        assert_eq!(pages.get(&key(1), 3), Some(Bytes::from_static(b"v3")));
        assert_eq!(
            pages.get(&key(1), 4),
            None,
            "a newer version makes it stale"
        );
        assert_eq!(pages.get(&key(2), 3), None, "other filters are other pages");
        // A slow request that built the page at an older version does not replace it.
        pages.put(key(1), 2, Bytes::from_static(b"v2"));
        assert_eq!(pages.get(&key(1), 3), Some(Bytes::from_static(b"v3")));
    }

    #[test]
    fn the_cache_stays_within_its_budget() {
        let pages = SchedulePages::with_budget(1_000);
        for n in 0..50 {
            pages.put(key(n), 1, Bytes::from(vec![b'x'; 90]));
        }
        let guard = pages.pages.lock().expect("lock");
        assert_eq!(guard.1, 990, "eleven pages of 90 bytes fit in 1,000");
        assert_eq!(
            guard.0.values().map(|(_, b)| b.len()).sum::<usize>(),
            guard.1
        );
        drop(guard);
        // A page larger than the whole budget is not kept.
        pages.put(key(99), 1, Bytes::from(vec![b'x'; 2_000]));
        assert_eq!(pages.get(&key(99), 1), None);
        // Replacing a page counts its bytes once.
        pages.put(key(49), 2, Bytes::from(vec![b'y'; 10]));
        assert_eq!(pages.pages.lock().expect("lock").1, 910);
    }
}
