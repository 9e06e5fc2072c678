//! Money as the screens show it: US dollars with as many decimals as the amount needs (a
//! request costs fractions of a cent; a month, dollars), and "no price" kept apart from $0.

/// `amount` in US dollars: `$12.30`, `$0.412`, `$0.0031`, `$0` for nothing at all.
pub fn format_usd(amount: f64) -> String {
    if amount == 0.0 {
        return "$0".to_owned();
    }
    let decimals = match amount.abs() {
        a if a >= 1.0 => 2,
        a if a >= 0.01 => 3,
        a if a >= 0.0001 => 4,
        _ => 6,
    };
    format!("${amount:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::format_usd;

    #[test]
    fn amounts_keep_the_decimals_they_need() {
        assert_eq!(format_usd(12.3), "$12.30");
        assert_eq!(format_usd(0.4123), "$0.412");
        assert_eq!(format_usd(0.00312), "$0.0031");
        assert_eq!(format_usd(0.0000012), "$0.000001");
        assert_eq!(format_usd(0.0), "$0");
    }
}
