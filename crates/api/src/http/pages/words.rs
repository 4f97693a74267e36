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

/// Why a request could not be placed (the planner's reason codes).
pub fn unscheduled_reason(lang: Lang, reason: &str) -> &str {
    const WORDS: &Vocabulary = &[
        (
            "no_open_day",
            "窗口内没有可用的日期",
            "no open day in the window",
        ),
        (
            "enterprise_cap",
            "企业本季度检查次数已达上限",
            "the enterprise's visit cap is reached",
        ),
        (
            "agency_capacity",
            "本部门每日检查能力已满",
            "the agency's daily capacity is full",
        ),
        ("no_inspector", "没有可派的检查人员", "no inspector free"),
        (
            "unknown_reference",
            "企业或部门不存在",
            "unknown enterprise or agency",
        ),
    ];
    word(lang, WORDS, reason)
}

/// Where a booking landed.
pub fn placement_outcome(lang: Lang, outcome: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("joined", "已并入现有联合检查", "joined a joint visit"),
        ("new_visit", "已拟定新的检查", "a new visit is proposed"),
        ("unscheduled", "无法安排", "could not be placed"),
    ];
    word(lang, WORDS, outcome)
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

/// What an enterprise asks the office about its schedule.
pub fn ask_kind(lang: Lang, kind: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("quiet_period", "静默期", "quiet period"),
        ("recusal", "检查人员回避", "inspector's recusal"),
    ];
    word(lang, WORDS, kind)
}

/// Where a scheduling ask stands.
pub fn ask_status(lang: Lang, status: &str) -> &str {
    const WORDS: &Vocabulary = &[
        ("pending", "待审批", "pending"),
        ("approved", "已批准", "approved"),
        ("refused", "不予批准", "refused"),
    ];
    word(lang, WORDS, status)
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
        ("enterprise_id", "企业", "enterprise"),
        ("q", "企业名称或信用代码", "enterprise name or credit code"),
        ("kind", "检查类型", "kind"),
        ("earliest", "最早日期", "earliest day"),
        ("latest", "最晚日期", "latest day"),
        ("team_size", "检查人数", "team size"),
        ("reason", "原因", "reason"),
        ("day", "日期", "day"),
        ("days", "日期", "days"),
        ("credit_code", "统一社会信用代码", "credit code"),
        ("status", "状态", "status"),
        ("offset", "页码", "page"),
        ("Idempotency-Key", "表单编号", "form number"),
        ("date", "日期", "date"),
        ("visit_ids", "检查", "visits"),
        ("start", "开始日期", "start"),
        ("end", "结束日期", "end"),
        ("enterprise", "企业", "enterprise"),
        ("agencies", "部门", "agencies"),
        ("new_deadline", "新期限", "new deadline"),
        ("visit_id", "检查", "visit"),
        ("inspector_id", "检查人员", "inspector"),
        ("deadline", "整改期限", "deadline"),
        ("rectification", "整改情况", "what was done"),
        ("title", "隐患名称", "finding"),
        ("description", "具体情况", "what was found"),
        ("category", "类别", "category"),
        ("severity", "等级", "severity"),
        ("legal_basis", "依据", "legal basis"),
        ("legal_basis.regulation", "法规条款", "regulation"),
        ("regulation", "法规条款", "regulation"),
        ("responsible_agency", "责任部门", "responsible agency"),
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
        ("is in the past", "日期已过"),
        ("no such enterprise", "没有这个企业"),
        ("team_size: must be between 1 and", "须在 1 到 20 之间"),
        ("must be a date", "日期格式不正确（应为 2026-12-03）"),
        ("must be a whole number", "须为整数"),
        ("unknown value", "不是可选的值"),
        ("at most 2000 characters", "最多 2000 字"),
        ("at most 366 days", "最多 366 天"),
        (
            "was used before with another body",
            "此表单已提交过，请重新填写",
        ),
        ("must not be empty", "不能为空"),
        ("must be at most", "内容过长"),
        ("the visit is already on", "检查已在这一天"),
        ("a horizon is at most", "期间过长（最多 366 天）"),
        ("choose at least one visit", "请至少选择一项检查"),
        ("visits at once", "一次最多确认 200 项检查"),
        ("at least one agency is sent", "请至少选择一个部门"),
        (
            "no enterprise has this credit code",
            "没有使用此统一社会信用代码的企业",
        ),
        ("no such agency", "没有这个部门"),
        ("must be a date like", "日期格式不正确（应为 2026-12-03）"),
        ("is not a date", "日期格式不正确（应为 2026-12-03）"),
        ("a quiet period is asked ahead", "静默期须从明天或以后开始"),
        ("a quiet period lasts at most", "静默期最长 92 天"),
        (
            "is not an announced visit of the enterprise",
            "不是本企业今后已公布的检查",
        ),
        ("is not on the visit's team", "不在该检查的检查组中"),
        (
            "must be after the current deadline",
            "申请的期限必须晚于当前整改期限",
        ),
        ("is before the day of the request", "申请的期限早于今天"),
        ("characters, got", "内容过长"),
        ("is before the visit day", "早于检查日期"),
        ("did not take part in the visit", "该部门未参加本次检查"),
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

/// Why a step was refused (a conflict), in Chinese where the pages know the message;
/// anything else is shown as the service said it.
pub fn conflict(lang: Lang, message: &str) -> String {
    if lang == Lang::En {
        return message.to_owned();
    }
    const KNOWN: &[(&str, &str)] = &[
        (
            "visit cannot become",
            "此检查当前的状态不允许这一步（例如已取消或已完成的检查不能再确认）",
        ),
        ("cannot be rescheduled", "只有拟定或已确认的检查可以改期"),
        ("changed meanwhile", "此检查刚被他人修改，请刷新后重试"),
        (
            "the schedule changed since this preview",
            "预览之后排期已有变动（有人确认、改期或新增了请求），请重新预览后再应用",
        ),
        ("the tip-off was", "此举报已处理过"),
        ("is not overdue", "此隐患未逾期，只能上报逾期隐患"),
        (
            "hazard cannot",
            "此隐患当前的状态不允许这一步（例如没有待审批的延期申请）",
        ),
        ("no such visit", "没有这项检查"),
        ("not a working day", "这一天不是工作日"),
        ("quiet period", "这一天在企业的免检期内"),
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

    #[test]
    fn a_known_refusal_is_said_in_chinese_and_an_unknown_one_as_the_service_said_it() {
        let cancelled = "status: a cancelled visit cannot become confirmed; allowed: none";
        assert!(conflict(Lang::Zh, cancelled).contains("已取消或已完成的检查不能再确认"));
        assert_eq!(conflict(Lang::En, cancelled), cancelled);
        assert_eq!(conflict(Lang::Zh, "something new"), "something new");
    }
}
