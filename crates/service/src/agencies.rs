//! Agencies as the other operations look them up.

use crate::ServiceError;
use crate::entities::agency;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The agency with `code`; an unknown code is invalid on the field `agency` (lists
/// filter by it).
pub async fn by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<agency::Model, ServiceError> {
    agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::field("agency", format!("unknown agency {code:?}")))
}
