//! The English names of agencies and districts, for pages in English: the database keeps
//! each one's Chinese name as its name, and its English one beside it where known.

use crate::ServiceError;
use crate::entities::{agency, district};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::BTreeMap;

/// Agencies' English names by code, districts' by their Chinese name.
#[derive(Debug, Clone, Default)]
pub struct EnglishNames {
    agencies: BTreeMap<String, String>,
    districts: BTreeMap<String, String>,
}

impl EnglishNames {
    pub async fn load<C: ConnectionTrait>(db: &C) -> Result<Self, ServiceError> {
        let agencies = agency::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter_map(|a| Some((a.code, a.name_en?)))
            .collect();
        let districts = district::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.name, d.name_en))
            .collect();
        Ok(Self {
            agencies,
            districts,
        })
    }

    /// The agency's English name, or `name` when it has none.
    pub fn agency<'a>(&'a self, code: &str, name: &'a str) -> &'a str {
        self.agencies.get(code).map_or(name, String::as_str)
    }

    /// The district's English name, or `name` when it has none.
    pub fn district<'a>(&'a self, name: &'a str) -> &'a str {
        self.districts.get(name).map_or(name, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_without_english_is_shown_as_it_is() {
        let names = EnglishNames {
            agencies: [("fire".to_owned(), "Fire and Rescue".to_owned())].into(),
            districts: [("淮安区".to_owned(), "Huai'an District".to_owned())].into(),
        };
        assert_eq!(names.agency("fire", "消防救援支队"), "Fire and Rescue");
        assert_eq!(names.agency("port", "港口局"), "港口局");
        assert_eq!(names.district("淮安区"), "Huai'an District");
        assert_eq!(names.district("新区"), "新区");
    }
}
