//! Enterprises' schedule pages (`GET /visits` as an enterprise), kept as the JSON they
//! were answered with, under the enterprise's schedule version.
//!
//! Every change to what a schedule shows moves the enterprise's version on, in the
//! change's own transaction (triggers of migration 000015). A request reads the
//! version (one primary-key read) and answers from the cache only a page stored under
//! that same version: a page is never older than what the database held when the
//! request began, on any replica. The version is read before the page is built, so a
//! change committed in between moves the version past the stored one and the page is
//! built again by the next request.

use crate::entities::schedule_version;
use axum::body::Bytes;
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use uuid::Uuid;

/// How many pages are kept; past it, an old one makes room.
pub const CAPACITY: usize = 10_000;

/// Which page: the enterprise, the day (unannounced visits show from their day on) and
/// the caller's filters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey<F> {
    pub enterprise: Uuid,
    pub today: NaiveDate,
    pub filter: F,
}

/// The enterprise's schedule version: 0 until anything was scheduled for it.
pub async fn version<C: ConnectionTrait>(db: &C, enterprise: Uuid) -> Result<i64, DbErr> {
    Ok(schedule_version::Entity::find_by_id(enterprise)
        .one(db)
        .await?
        .map_or(0, |row| row.version))
}

/// The pages, each with the version it was built at.
#[derive(Debug)]
pub struct SchedulePages<F> {
    pages: Mutex<HashMap<PageKey<F>, (i64, Bytes)>>,
}

impl<F: Eq + Hash + Clone> Default for SchedulePages<F> {
    fn default() -> Self {
        Self {
            pages: Mutex::new(HashMap::new()),
        }
    }
}

impl<F: Eq + Hash + Clone> SchedulePages<F> {
    /// The page stored for `key` at `version`, if there is one.
    pub fn get(&self, key: &PageKey<F>, version: i64) -> Option<Bytes> {
        let pages = self.pages.lock().ok()?;
        pages
            .get(key)
            .filter(|(at, _)| *at == version)
            .map(|(_, body)| body.clone())
    }

    /// Stores `body` for `key` as built at `version`, unless a newer one is there.
    pub fn put(&self, key: PageKey<F>, version: i64, body: Bytes) {
        let Ok(mut pages) = self.pages.lock() else {
            return;
        };
        if pages.get(&key).is_some_and(|(at, _)| *at > version) {
            return;
        }
        if pages.len() >= CAPACITY
            && !pages.contains_key(&key)
            && let Some(old) = pages.keys().next().cloned()
        {
            pages.remove(&old);
        }
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
    fn the_cache_stays_within_its_capacity() {
        let pages = SchedulePages::default();
        for n in 0..u32::try_from(CAPACITY + 10).expect("fits") {
            pages.put(key(n), 1, Bytes::new());
        }
        assert_eq!(pages.pages.lock().expect("lock").len(), CAPACITY);
    }
}
