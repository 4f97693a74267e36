//! Charts as SVG drawn on the server: a calendar heat map and horizontal bars. Each has a
//! title and a description for screen readers, and its figures are also in a table.

use super::Lang;
use chrono::Datelike;
use maud::{Markup, html};
use onevisit_service::review::DayLoad;

/// The colours of the heat map, from no load to over capacity (light to dark, then red).
const SHADES: [(&str, &str, &str); 5] = [
    ("#f2f2f2", "无", "none"),
    ("#c6dbef", "低于 50%", "below 50%"),
    ("#6baed6", "50–80%", "50–80%"),
    ("#08519c", "80–100%", "80–100%"),
    ("#b30000", "超出", "over"),
];

fn shade(day: &DayLoad) -> usize {
    if day.teams == 0 {
        return 0;
    }
    if day.capacity == 0 || day.teams > day.capacity {
        return 4;
    }
    match day.teams * 100 / day.capacity {
        0..50 => 1,
        50..80 => 2,
        _ => 3,
    }
}

const CELL: i64 = 14;
const GAP: i64 = 3;

/// Weeks as columns, Monday to Sunday as rows; a day's colour is its agency teams
/// against the capacity of the day. Days off have a dashed outline.
pub fn heat_map(lang: Lang, days: &[DayLoad]) -> Markup {
    let Some(first) = days.first() else {
        return html! {};
    };
    let offset = i64::from(first.date.weekday().num_days_from_monday());
    let weeks = (offset + i64::try_from(days.len()).unwrap_or(0) + 6) / 7;
    let left = 28;
    let top = 16;
    let width = left + weeks * (CELL + GAP);
    let height = top + 7 * (CELL + GAP);
    let labels = [
        lang.t("一", "Mo"),
        lang.t("三", "We"),
        lang.t("五", "Fr"),
        lang.t("日", "Su"),
    ];
    html! {
        svg id="heat-map" role="img" aria-labelledby="heat-title heat-desc" viewBox={ "0 0 " (width) " " (height) }
            width=(width * 2) xmlns="http://www.w3.org/2000/svg" font-size="10" {
            title id="heat-title" { (lang.t("每日检查负荷", "Load per day")) }
            desc id="heat-desc" { (lang.t("每格一天：部门检查组数与当日总能力之比。", "One square a day: agency teams against the day's total capacity.")) }
            @for (i, label) in labels.iter().enumerate() {
                text x="0" y=(top + i64::try_from(i).unwrap_or(0) * 2 * (CELL + GAP) + CELL - 3) fill="#1a1a1a" { (label) }
            }
            @for (i, day) in days.iter().enumerate() {
                @let n = offset + i64::try_from(i).unwrap_or(0);
                @let x = left + (n / 7) * (CELL + GAP);
                @let y = top + (n % 7) * (CELL + GAP);
                @if day.date.day() == 1 || i == 0 {
                    text x=(x) y=(top - 4) fill="#1a1a1a" { (day.date.format("%m")) }
                }
                rect x=(x) y=(y) width=(CELL) height=(CELL) rx="2" fill=(SHADES[shade(day)].0)
                    stroke=(if day.working_day { "#555" } else { "#767676" })
                    stroke-dasharray=(if day.working_day { "none" } else { "2 2" })
                    data-date=(day.date) data-visits=(day.visits) data-teams=(day.teams) data-capacity=(day.capacity) {
                    title { (day.date) ": " (day.visits) (lang.t(" 次检查，", " visits, ")) (day.teams) " / " (day.capacity) (lang.t(" 组", " teams")) }
                }
            }
        }
        ul class="legend" aria-label=(lang.t("图例", "Legend")) {
            @for (colour, zh, en) in SHADES {
                li { span style={ "background:" (colour) } {} (lang.t(zh, en)) }
            }
        }
    }
}

/// One bar: a label, a value and, if given, a limit drawn as a mark.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub limit: Option<i64>,
}

/// Horizontal bars, one a row, scaled to the largest value or limit.
pub fn bars(id: &str, title: &str, bars: &[Bar]) -> Markup {
    let max = bars
        .iter()
        .map(|b| b.value.max(b.limit.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1);
    let label_width = 130;
    let bar_width = 360;
    let row = 22;
    let height = row * i64::try_from(bars.len()).unwrap_or(0) + 4;
    let width = label_width + bar_width + 60;
    let title_id = format!("{id}-title");
    html! {
        svg id=(id) role="img" aria-labelledby=(title_id) viewBox={ "0 0 " (width) " " (height) }
            width=(width) xmlns="http://www.w3.org/2000/svg" font-size="12" {
            title id=(title_id) { (title) }
            @for (i, bar) in bars.iter().enumerate() {
                @let y = i64::try_from(i).unwrap_or(0) * row + 2;
                @let length = bar.value * bar_width / max;
                text x=(label_width - 6) y=(y + 14) text-anchor="end" fill="#1a1a1a" { (bar.label) }
                rect x=(label_width) y=(y + 2) width=(length) height=(row - 6) fill="#0b4f8a" {
                    title { (bar.label) ": " (bar.value) }
                }
                text x=(label_width + length + 4) y=(y + 14) fill="#1a1a1a" { (bar.value) }
                @if let Some(limit) = bar.limit {
                    @let at = label_width + limit * bar_width / max;
                    line x1=(at) x2=(at) y1=(y) y2=(y + row - 2) stroke="#b30000" stroke-width="2" {}
                }
            }
        }
    }
}
