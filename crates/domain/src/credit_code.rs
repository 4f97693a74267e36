//! The unified social credit code (统一社会信用代码) of GB 32100-2015.
//!
//! Eighteen characters from a 31-character alphabet (digits and capital letters
//! without I, O, Z, S, V): registration authority, organisation kind, six-digit
//! administrative division, nine-character organisation code, and a check character
//! computed modulo 31 over the first seventeen with weights 3^i mod 31.

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a credit code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("must be 18 characters, got {0}")]
    Length(usize),
    #[error(
        "character {position} ('{found}') is not allowed: use digits and capital letters other than I, O, Z, S, V"
    )]
    Character { position: usize, found: char },
    #[error("characters 3 to 8 must be the digits of an administrative division code")]
    Division,
    #[error("check character is '{found}', expected '{expected}'")]
    Check { expected: char, found: char },
}

/// A valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

fn value_of(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    ALPHABET
        .iter()
        .position(|&a| a == byte)
        .and_then(|i| u32::try_from(i).ok())
}

impl CreditCode {
    /// The check character for the first seventeen characters of a code.
    ///
    /// Returns `None` when `body` is not seventeen characters of the alphabet.
    pub fn check_character(body: &str) -> Option<char> {
        let values: Vec<u32> = body.chars().map(value_of).collect::<Option<_>>()?;
        if values.len() != 17 {
            return None;
        }
        let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        let check = (31 - sum % 31) % 31;
        Some(char::from(ALPHABET[check as usize]))
    }

    pub fn parse(raw: &str) -> Result<Self, CreditCodeError> {
        let code = raw.trim();
        let len = code.chars().count();
        if len != 18 {
            return Err(CreditCodeError::Length(len));
        }
        if let Some((i, found)) = code
            .chars()
            .enumerate()
            .find(|(_, c)| value_of(*c).is_none())
        {
            return Err(CreditCodeError::Character {
                position: i + 1,
                found,
            });
        }
        if !code[2..8].bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditCodeError::Division);
        }
        let expected = Self::check_character(&code[..17]).ok_or(CreditCodeError::Length(len))?;
        let found = code[17..]
            .chars()
            .next()
            .ok_or(CreditCodeError::Length(len))?;
        if found != expected {
            return Err(CreditCodeError::Check { expected, found });
        }
        Ok(Self(code.to_owned()))
    }

    /// The six-digit administrative division code (characters 3 to 8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

crate::text::string_newtype!(CreditCode, CreditCodeError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_published_codes() {
        // Codes as printed on public business licences.
        for code in [
            "91110000802100433B",
            "91350100M000100Y43",
            " 91110000802100433B ",
        ] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
        assert_eq!(
            CreditCode::parse("91350100M000100Y43").map(|c| c.division().to_owned()),
            Ok("350100".to_owned())
        );
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            CreditCode::parse("9111000080210043"),
            Err(CreditCodeError::Length(16))
        );
        assert_eq!(
            CreditCode::parse("91110000802100433I"),
            Err(CreditCodeError::Character {
                position: 18,
                found: 'I'
            })
        );
        assert_eq!(
            CreditCode::parse("91A10000802100433B"),
            Err(CreditCodeError::Division)
        );
        assert_eq!(
            CreditCode::parse("91110000802100433C"),
            Err(CreditCodeError::Check {
                expected: 'B',
                found: 'C'
            })
        );
        assert!(matches!(
            CreditCode::parse("91110000802100433b"),
            Err(CreditCodeError::Character { position: 18, .. })
        ));
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        (0..31usize).prop_map(|i| char::from(ALPHABET[i]))
    }

    prop_compose! {
        fn valid_code()(
            head in proptest::collection::vec(alphabet_char(), 2),
            division in "[0-9]{6}",
            org in proptest::collection::vec(alphabet_char(), 9),
        ) -> String {
            let body: String = head.into_iter().chain(division.chars()).chain(org).collect();
            let check = CreditCode::check_character(&body).expect("valid body");
            format!("{body}{check}")
        }
    }

    proptest! {
        #[test]
        fn valid_codes_are_accepted(code in valid_code()) {
            let parsed = CreditCode::parse(&code).expect("valid");
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }

        #[test]
        fn every_single_character_change_is_refused(
            code in valid_code(),
            position in 0..18usize,
            replacement in alphabet_char(),
        ) {
            let mut chars: Vec<char> = code.chars().collect();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn arbitrary_text_never_panics(raw in "\\PC{0,24}") {
            let _ = CreditCode::parse(&raw);
        }
    }
}
