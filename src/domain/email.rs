use crate::error::AppError;
use unicode_normalization::UnicodeNormalization;

/// An e-mail address normalized once on write: trimmed, Unicode NFKC, lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let normalized: String = raw.trim().nfkc().collect::<String>().to_lowercase();
        let valid = normalized.len() <= 254
            && !normalized.chars().any(char::is_control)
            && normalized.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !normalized.contains(char::is_whitespace)
            });
        if !valid {
            return Err(AppError::bad_input(field, format!("'{raw}' is not an e-mail address")));
        }
        Ok(Self(normalized))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or("")
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_width_and_space() {
        let e = Email::parse("email", "  Ａlice@Example.COM ").expect("valid");
        assert_eq!(e.as_str(), "alice@example.com");
        assert_eq!(e.local_part(), "alice");
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "alice", "@x", "a@", "a b@c", "a@b@c"] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }
}
