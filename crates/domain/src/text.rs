//! Short human-readable text: names of enterprises, agencies, inspectors, districts.

use serde::{Deserialize, Serialize};

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters, got {len}")]
    TooLong { max: usize, len: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// `raw` trimmed, if it is not empty, holds at most `max` characters and no control
/// character but those `allowed` lets through.
pub(crate) fn checked(
    raw: &str,
    max: usize,
    allowed: fn(char) -> bool,
) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(TextError::TooLong { max, len });
    }
    if trimmed.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::ControlCharacter);
    }
    Ok(trimmed.to_owned())
}

/// The accessors and conversions every validated string newtype shares: `as_str`,
/// `TryFrom<String>` through its `parse`, back into `String`, and `Display`.
macro_rules! string_newtype {
    ($name:ident, $error:ty) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use string_newtype;

/// A trimmed, non-empty name of at most [`Name::MAX_CHARS`] characters
/// without control characters. Chinese text is welcome.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        checked(raw, Self::MAX_CHARS, |_| false).map(Self)
    }
}

string_newtype!(Name, TextError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_chinese() {
        assert_eq!(
            Name::parse("  淮安市某化工有限公司 ").map(String::from),
            Ok("淮安市某化工有限公司".to_owned())
        );
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(Name::parse("   "), Err(TextError::Empty));
        assert_eq!(
            Name::parse(&"化".repeat(201)),
            Err(TextError::TooLong { max: 200, len: 201 })
        );
        assert_eq!(Name::parse("a\u{0}b"), Err(TextError::ControlCharacter));
    }
}
