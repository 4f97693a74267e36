//! Closed sets of words (sectors, statuses, kinds) stored and sent as snake_case text.

/// A word that is not one of its set's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: unknown value {found:?}; expected one of {expected}")]
pub struct UnknownWord {
    pub field: &'static str,
    pub found: String,
    pub expected: &'static str,
}

/// One word of a closed set: what storage needs to keep it as its text and read it
/// back (the service stores every such set through this one trait).
pub trait Word:
    Copy + Eq + std::fmt::Debug + std::str::FromStr<Err = UnknownWord> + Send + Sync + 'static
{
    fn as_str(self) -> &'static str;
}

/// Declares an enum of words with `as_str`, `ALL`, `FromStr` (refusing with
/// [`UnknownWord`] naming `$field`), `Display` and serde in snake_case.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $word),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::words::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok(Self::$variant),)+
                    other => Err($crate::words::UnknownWord {
                        field: $field,
                        found: other.to_owned(),
                        expected: concat!($($word, " "),+).trim_ascii_end(),
                    }),
                }
            }
        }

        impl $crate::words::Word for $name {
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use word_enum;
