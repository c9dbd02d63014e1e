//! Spreadsheet-safe CSV cells.

/// Prefixes a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return) with an apostrophe, so an exported transcript can't carry a formula-injection attack.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(neutralise("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(neutralise("+27 82"), "'+27 82");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("hello = world"), "hello = world");
        assert_eq!(neutralise(""), "");
    }
}
