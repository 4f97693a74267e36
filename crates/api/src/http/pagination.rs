//! Lists come in pages: `limit` (at most [`MAX_LIMIT`]) and `offset`, with the total.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;
/// The largest `offset` accepted: far past any list, and inside what the databases'
/// `OFFSET` takes (a signed 64-bit number).
pub const MAX_OFFSET: u64 = 1_000_000_000;

/// Which page of a list.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// How many items to skip, 0 to 1,000,000,000 (default 0).
    pub offset: Option<u64>,
}

impl PageQuery {
    /// The limit and offset, or the name of the parameter that is out of range.
    pub fn resolve(self) -> Result<(u64, u64), crate::http::error::ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(crate::http::error::ApiError::field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let offset = self.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(crate::http::error::ApiError::field(
                "offset",
                format!("must be between 0 and {MAX_OFFSET}"),
            ));
        }
        Ok((limit, offset))
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}
