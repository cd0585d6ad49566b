use crate::error::AppError;

/// Organization slug: 1–16 of `[A-Za-z0-9_-]`, stored lowercase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let ok = (1..=16).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(AppError::bad_input(field, "a slug is 1-16 characters: letters, digits, '-' and '_'"));
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }
    /// The personal organization slug of RULES.md §2 (without the `-N` suffix).
    pub fn personal_base(local_part: &str) -> String {
        let mapped: String = local_part
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' { c } else { '-' })
            .take(12)
            .collect();
        if mapped.is_empty() { "user".into() } else { mapped }
    }
    pub fn from_trusted(slug: String) -> Self {
        Self(slug)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name: trimmed, 1–128 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len == 0 || len > 128 {
            return Err(AppError::bad_input(field, "a name is 1-128 characters after trimming"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(AppError::bad_input(field, "a name cannot contain control characters"));
        }
        Ok(Self(trimmed.to_string()))
    }
    /// For names the server derives itself (JIT provisioning): trimmed and cut to 128.
    pub fn derived(raw: &str, fallback: &str) -> Self {
        let cut: String = raw.trim().chars().take(128).collect();
        let cut = cut.trim().to_string();
        if cut.is_empty() { Self(fallback.to_string()) } else { Self(cut) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Free text (descriptions, contact fields): at most 4096 characters; empty means none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description(Option<String>);

impl Description {
    pub fn parse(field: &str, raw: Option<&str>) -> Result<Self, AppError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(Self(None)),
            Some(text) if text.chars().count() > 4096 => Err(AppError::bad_input(field, "at most 4096 characters")),
            // Line breaks and tabs are text; other control characters (NUL) are not.
            Some(text) if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
                Err(AppError::bad_input(field, "control characters are not allowed"))
            }
            Some(text) => Ok(Self(Some(text.to_string()))),
        }
    }
    pub fn into_inner(self) -> Option<String> {
        self.0
    }
}

/// A role key as given by a client; existence is checked against the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleKey(String);

impl RoleKey {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let key = raw.trim();
        if key.is_empty() || key.len() > 64 || key.chars().any(char::is_control) {
            return Err(AppError::bad_input(field, format!("unknown role '{raw}'")));
        }
        Ok(Self(key.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(Slug::parse("slug", "Acme_1-x").expect("valid").as_str(), "acme_1-x");
        for bad in ["", "a b", "toolongtoolongtoo", "é"] {
            assert!(Slug::parse("slug", bad).is_err(), "{bad}");
        }
        assert_eq!(Slug::personal_base("John.Doe+tag"), "john-doe-tag");
        assert_eq!(Slug::personal_base("abcdefghijklmnop"), "abcdefghijkl");
        assert_eq!(Slug::personal_base(""), "user");
    }

    #[test]
    fn names() {
        assert_eq!(Name::parse("name", "  x ").expect("valid").as_str(), "x");
        assert!(Name::parse("name", "   ").is_err());
        assert!(Name::parse("name", &"a".repeat(129)).is_err());
        assert!(Name::parse("name", &"é".repeat(128)).is_ok());
        assert!(Name::parse("name", "a\0b").is_err());
        assert!(Description::parse("d", Some("line\nline")).is_ok());
        assert!(Description::parse("d", Some("nul\0")).is_err());
    }
}
