//! The stored words the pages show (statuses, kinds, severities, sectors), in the user's
//! language: one function per vocabulary. A word no table knows is shown as stored, so
//! that a new one is seen for what it is rather than passing for another.

use super::Lang;

/// A vocabulary: each stored word with its Chinese and English text.
type Vocabulary = [(&'static str, &'static str, &'static str)];

fn word<'a>(lang: Lang, vocabulary: &Vocabulary, stored: &'a str) -> &'a str {
    vocabulary
        .iter()
        .find(|(word, _, _)| *word == stored)
        .map_or(stored, |&(_, zh, en)| lang.t(zh, en))
}

/// A joint visit's status.
pub fn visit_status(lang: Lang, status: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("proposed", "拟定", "proposed"),
        ("confirmed", "已确认", "confirmed"),
        ("in_progress", "进行中", "in progress"),
        ("completed", "已完成", "completed"),
        ("cancelled", "已取消", "cancelled"),
    ];
    word(lang, WORDS, status)
}

/// An inspection request's status.
pub fn request_status(lang: Lang, status: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("open", "待安排", "not planned yet"),
        ("scheduled", "已安排", "scheduled"),
        ("unscheduled", "无法安排", "could not be placed"),
        ("cancelled", "已取消", "cancelled"),
    ];
    word(lang, WORDS, status)
}

/// Why an agency asks for a visit.
pub fn request_kind(lang: Lang, kind: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("routine", "例行检查", "routine"),
        ("follow_up", "复查", "follow-up"),
        ("urgent", "紧急检查", "urgent"),
    ];
    word(lang, WORDS, kind)
}

/// Where a hazard stands.
pub fn hazard_status(lang: Lang, status: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("open", "待整改", "open"),
        (
            "rectification_submitted",
            "已提交整改，待核查",
            "submitted, awaiting verification",
        ),
        ("closed", "已销号", "closed"),
    ];
    word(lang, WORDS, status)
}

/// How serious a hazard is (the Chinese words of the printed hazard list).
pub fn severity(lang: Lang, severity: &str) -> &str {
    const WORDS: &Vocabulary = &[("general", "一般", "general"), ("major", "重大", "major")];
    word(lang, WORDS, severity)
}

/// An enterprise's sector.
pub fn sector(lang: Lang, sector: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("chemical", "危险化学品", "hazardous chemicals"),
        ("civil_explosives", "民用爆炸物品", "civil explosives"),
        ("ship_repair", "船舶修造", "ship repair"),
        ("other", "其他", "other"),
    ];
    word(lang, WORDS, sector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_word_is_translated_and_an_unknown_one_shown_as_stored() {
        assert_eq!(visit_status(Lang::Zh, "in_progress"), "进行中");
        assert_eq!(visit_status(Lang::En, "in_progress"), "in progress");
        assert_eq!(hazard_status(Lang::Zh, "closed"), "已销号");
        assert_eq!(visit_status(Lang::Zh, "postponed"), "postponed");
    }
}
