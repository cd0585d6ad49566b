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
    /// An address orgraph writes to (an invitation's, an organization's contact): also
    /// one mail can be sent to, as the mailer's `lettre` reads addresses (no `a..b@x`, no
    /// trailing dot, no comment), without a quoted local part (mailed without its quotes,
    /// it would reach another address) and without invisible or direction-changing
    /// characters (which names refuse too). A token's e-mail is the identity provider's
    /// and is taken as `parse` reads it.
    pub fn parse_mailable(field: &str, raw: &str) -> Result<Self, AppError> {
        let email = Self::parse(field, raw)?;
        let mailable =
            !email.0.contains('"') && !email.0.chars().any(super::is_invisible) && email.0.parse::<lettre::Address>().is_ok();
        if !mailable {
            return Err(AppError::bad_input(field, format!("'{raw}' is not an e-mail address mail can be sent to")));
        }
        Ok(email)
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

    #[test]
    fn an_address_written_to_must_be_mailable() {
        for bad in [
            "trail@example.com.",
            "dots..x@example.com",
            "(c)paren@example.com",
            "a@-bad.com",
            "zw\u{200b}@example.com",
            "a\u{202e}@x.com",
            "\"quoted\"@example.com",
        ] {
            assert!(Email::parse("email", bad).is_ok(), "a token may carry {bad}");
            assert!(Email::parse_mailable("email", bad).is_err(), "{bad}");
        }
        for good in ["Ann+tag@Example.com", "o'neil@example.co.uk", "dave@bücher.de", "x@[127.0.0.1]"] {
            assert!(Email::parse_mailable("email", good).is_ok(), "{good}");
        }
    }
}
