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

/// A form or filter field's name.
pub fn field(lang: Lang, field: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("from", "开始日期", "from"),
        ("to", "结束日期", "to"),
        ("district", "县区", "district"),
        ("sector", "行业", "sector"),
        ("agency", "部门", "agency"),
        ("file", "文件", "file"),
        ("note", "说明", "note"),
        ("csrf", "表单令牌", "form token"),
        ("path", "地址", "address"),
        ("username", "用户名", "username"),
        ("password", "密码", "password"),
        ("title", "隐患名称", "finding"),
        ("description", "具体情况", "what was found"),
        ("category", "类别", "category"),
        ("severity", "等级", "severity"),
        ("legal_basis", "依据", "legal basis"),
        ("legal_basis.regulation", "法规条款", "regulation"),
        ("regulation", "法规条款", "regulation"),
        ("responsible_agency", "责任部门", "responsible agency"),
        ("deadline", "整改期限", "deadline"),
        ("Idempotency-Key", "重复提交标识", "idempotency key"),
    ];
    word(lang, WORDS, field)
}

/// What is wrong with a field, in Chinese where the message is one the pages know (the
/// API's own words stay English); anything else is shown as the API said it.
pub fn field_message(lang: Lang, message: &str) -> String {
    if lang == Lang::En {
        return message.to_owned();
    }
    const KNOWN: &[(&str, &str)] = &[
        ("ends (", "结束日期早于开始日期"),
        ("the period may be at most", "查询期间过长（最多 366 天）"),
        (
            "is not an accepted type",
            "文件类型不受支持：只接受 JPEG、PNG 或 PDF（按文件内容判断）",
        ),
        ("is larger than", "文件超过大小上限"),
        ("is empty", "文件为空"),
        ("no evidence file", "没有选择证明材料文件"),
        ("is required", "必填"),
        ("must not contain a NUL character", "含有不允许的空字符"),
        (
            "premature end of input",
            "日期格式不正确（应为 2026-12-03）",
        ),
        (
            "input contains invalid characters",
            "日期格式不正确（应为 2026-12-03）",
        ),
        ("unknown agency", "没有这个部门"),
        ("must not be empty", "不能为空"),
        ("is before the visit day", "早于检查日期"),
        ("did not take part in the visit", "该部门未参加本次检查"),
        ("must be a date like", "日期格式不正确（应为 2026-12-03）"),
        ("was used before with another body", "已用于另一条记录"),
        (
            "its hazards are recorded from that day on",
            "检查当天起才能记录隐患",
        ),
        (
            "it cannot be completed before its day",
            "检查日期之前不能完成检查",
        ),
    ];
    KNOWN
        .iter()
        .find(|(english, _)| message.contains(english))
        .map_or_else(|| message.to_owned(), |(_, zh)| (*zh).to_owned())
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
