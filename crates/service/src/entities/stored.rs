//! A column holding one word of a domain set (a visit's status, a request's kind), kept
//! as the word's text. The domain knows nothing of sea-orm, so its enums cannot carry
//! the column traits themselves: this one wrapper carries them for every [`Word`].

use onevisit_domain::Word;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use std::sync::Arc;

/// A domain word as a column value: `visit.status.0` is the visit's
/// [`onevisit_domain::VisitStatus`], and it compares with one directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stored<T>(pub T);

impl<T: Word> Stored<T> {
    pub fn as_str(self) -> &'static str {
        self.0.as_str()
    }
}

impl<T: Word> std::fmt::Display for Stored<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl<T: Word> serde::Serialize for Stored<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl<T: PartialEq> PartialEq<T> for Stored<T> {
    fn eq(&self, other: &T) -> bool {
        self.0 == *other
    }
}

impl<T: Word> From<T> for Stored<T> {
    fn from(word: T) -> Self {
        Self(word)
    }
}

impl<T: Word> From<Stored<T>> for Value {
    fn from(word: Stored<T>) -> Self {
        Value::String(Some(word.0.as_str().to_owned()))
    }
}

impl<T: Word> TryGetable for Stored<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        text.parse().map(Self).map_err(|err| {
            TryGetError::DbErr(DbErr::TryIntoErr {
                from: "String",
                into: std::any::type_name::<T>(),
                source: Arc::new(err),
            })
        })
    }
}

impl<T: Word> ValueType for Stored<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        text.parse().map(Self).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        std::any::type_name::<T>().to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T: Word> Nullable for Stored<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: Word> sea_orm::IntoActiveValue<Stored<T>> for Stored<T> {
    fn into_active_value(self) -> sea_orm::ActiveValue<Self> {
        sea_orm::ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onevisit_domain::VisitStatus;

    #[test]
    fn a_word_goes_in_as_its_text_and_comes_back() {
        let value: Value = Stored(VisitStatus::InProgress).into();
        assert_eq!(value, Value::String(Some("in_progress".to_owned())));
        let back = <Stored<VisitStatus> as ValueType>::try_from(value).expect("a status");
        assert_eq!(back, VisitStatus::InProgress);
        let unknown = Value::String(Some("paused".to_owned()));
        assert!(<Stored<VisitStatus> as ValueType>::try_from(unknown).is_err());
    }
}
