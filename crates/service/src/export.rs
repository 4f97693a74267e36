//! CSV files for spreadsheet programs: UTF-8 with a byte order mark (they then read the
//! Chinese right), a header row, and every cell that a spreadsheet would run as a
//! formula neutralised, as OWASP advises against CSV injection.

use std::borrow::Cow;

/// `rows` under `header` as a CSV file.
pub fn csv<R, C>(header: &[&str], rows: R) -> Result<Vec<u8>, csv::Error>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(
            row.into_iter()
                .map(|cell| inert(cell.as_ref()).into_owned()),
        )?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// A cell a spreadsheet shows as text: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'` (numbers, which spreadsheets do not run, stay).
pub fn inert(cell: &str) -> Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay() {
        assert_eq!(
            inert("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(inert("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(inert("-2+3"), "'-2+3");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("\t=1"), "'\t=1");
        assert_eq!(inert("-3"), "-3");
        assert_eq!(inert("消防通道堵塞"), "消防通道堵塞");
        assert_eq!(inert(""), "");
    }

    #[test]
    fn a_file_has_the_byte_order_mark_the_header_and_inert_cells() {
        let bytes = csv(&["a", "b"], [["=1+1", "x"]]).expect("csv");
        assert_eq!(bytes, b"\xEF\xBB\xBFa,b\n'=1+1,x\n");
    }
}
