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
    /// The address of an invitation: `parse`, and one the invitee can receive mail at —
    /// no quoted local part or comment (mailed without its quotes, `"a"@x` reached
    /// another address), no invisible or direction-changing character (which names refuse
    /// too), and a domain of non-empty labels that neither start nor end with `-` (a
    /// trailing dot or `a@-x.com` was accepted, then retried by the mailer for hours).
    /// Local parts are left as providers issue them (`taro..yamada@docomo.ne.jp` is real).
    /// A token's e-mail is the identity provider's and is read by `parse` alone.
    pub fn parse_invitee(field: &str, raw: &str) -> Result<Self, AppError> {
        let email = Self::parse(field, raw)?;
        let (_, domain) = email.0.rsplit_once('@').unwrap_or_default();
        let domain_ok = domain.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
            || (domain.starts_with('[') && domain.ends_with(']'));
        let ok = domain_ok && !email.0.contains(['"', '(', ')']) && !email.0.chars().any(super::is_invisible);
        if !ok {
            return Err(AppError::bad_input(field, format!("'{raw}' is not an e-mail address an invitation can reach")));
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
    fn an_invitee_address_must_be_reachable() {
        for bad in [
            "trail@example.com.",
            "a@-bad.com",
            "a@bad-.com",
            "a@x..com",
            "(c)paren@example.com",
            "zw\u{200b}@example.com",
            "a\u{202e}@x.com",
            "\"quoted\"@example.com",
        ] {
            assert!(Email::parse("email", bad).is_ok(), "a token may carry {bad}");
            assert!(Email::parse_invitee("email", bad).is_err(), "{bad}");
        }
        for good in [
            "Ann+tag@Example.com",
            "o'neil@example.co.uk",
            "dave@bücher.de",
            "x@[127.0.0.1]",
            "taro..yamada@docomo.ne.jp",
            "taro.@docomo.ne.jp",
        ] {
            assert!(Email::parse_invitee("email", good).is_ok(), "{good}");
        }
    }
}
