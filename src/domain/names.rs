use crate::error::AppError;

/// Organization slug: 1–16 of `[A-Za-z0-9_-]`, stored lowercase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// The longest slug (RULES.md §4).
    pub const MAX: usize = 16;
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let ok = (1..=Self::MAX).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
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

/// Characters that render as nothing or reorder text: Unicode's format characters (Cf:
/// zero-width spaces and joiners, bidi embeddings, overrides and isolates, the byte-order
/// mark, tags…), line and paragraph separators, and the fillers and blanks that show as
/// empty space. Two names that look the same must not differ by one of these.
pub fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x06DD | 0x070F | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180E | 0x2800 | 0x3164
        | 0xFEFF | 0xFFA0 | 0x110BD | 0x110CD | 0xE0001
        | 0x0600..=0x0605 | 0x0890..=0x0891 | 0x08E2 | 0x180B..=0x180F | 0x200B..=0x200F | 0x2028..=0x202E
        | 0x2060..=0x206F | 0xFFF9..=0xFFFB | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0020..=0xE007F)
}

/// Unicode canonical composition (NFC): `é` typed as `e` + U+0301 and as U+00E9 is one name.
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

/// A name: trimmed, NFC-normalized, 1–128 characters, no control or invisible characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        // A bound before the work, loose enough for any name of 128 characters once
        // trimmed and composed (typed decomposed, a Vietnamese name of 128 took 640 bytes).
        if raw.len() > 16 * MAX_NAME_CHARS {
            return Err(AppError::bad_input(field, "a name is 1-128 characters after trimming"));
        }
        let name = nfc(raw.trim());
        let len = name.chars().count();
        if len == 0 || len > MAX_NAME_CHARS {
            return Err(AppError::bad_input(field, "a name is 1-128 characters after trimming"));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::bad_input(field, "a name cannot contain control characters"));
        }
        if name.chars().any(is_invisible) {
            return Err(AppError::bad_input(
                field,
                "a name cannot contain invisible or direction-changing characters (zero-width, bidi overrides)",
            ));
        }
        Ok(Self(name))
    }
    /// For names the server derives itself (JIT provisioning): control and invisible
    /// characters dropped, NFC, trimmed and cut to 128; if nothing is left, the same of
    /// `fallback` (an e-mail's local part may hold 200 characters or a bidi override),
    /// else `user`.
    pub fn derived(raw: &str, fallback: &str) -> Self {
        let clean = |raw: &str| {
            let kept: String = raw.chars().take(4 * MAX_NAME_CHARS).filter(|c| !c.is_control() && !is_invisible(*c)).collect();
            let cut: String = nfc(kept.trim()).chars().take(MAX_NAME_CHARS).collect();
            cut.trim().to_string()
        };
        let name = [clean(raw), clean(fallback)].into_iter().find(|n| !n.is_empty());
        Self(name.unwrap_or_else(|| "user".into()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Characters in a name (RULES.md §4).
pub const MAX_NAME_CHARS: usize = 128;

/// A `search` prefix: trimmed, control and invisible characters dropped, at most 128
/// characters (a name is never longer); empty means no search.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchText(String);

impl SearchText {
    pub fn parse(field: &str, raw: Option<&str>) -> Result<Option<Self>, AppError> {
        let Some(raw) = raw else { return Ok(None) };
        let text: String = raw.chars().filter(|c| !c.is_control() && !is_invisible(*c)).collect();
        let text = nfc(text.trim());
        if text.chars().count() > MAX_NAME_CHARS {
            return Err(AppError::bad_input(field, "a search is at most 128 characters"));
        }
        Ok((!text.is_empty()).then_some(Self(text)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
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

    #[test]
    fn names_are_nfc_and_refuse_invisible_characters() {
        let composed = Name::parse("name", "caf\u{e9}").expect("valid");
        let decomposed = Name::parse("name", "cafe\u{301}").expect("valid");
        assert_eq!(composed, decomposed);
        for bad in ["a\u{200b}b", "a\u{200d}b", "\u{202e}gpj.exe", "x\u{2066}y", "\u{feff}bom", "a\u{e0041}"] {
            let err = Name::parse("name", bad).expect_err(bad);
            assert_eq!(err.code(), "BAD_USER_INPUT");
        }
        assert_eq!(Name::derived("Al\u{200b}ice\u{202e}", "x").as_str(), "Alice");
        assert!(Name::parse("name", &"a".repeat(100_000)).is_err());
        // The fallback (an e-mail's local part) is held to the same rules.
        assert_eq!(Name::derived("\u{200b}", "\u{202e}gnp.exe").as_str(), "gnp.exe");
        assert_eq!(Name::derived("", &"l".repeat(200)).as_str().chars().count(), 128);
        assert_eq!(Name::derived("", "\u{200b}").as_str(), "user");
        // 128 characters typed decomposed (ệ as e, U+0302, U+0323: five bytes), padded.
        let decomposed = format!("{}{}{}", " ".repeat(70), "e\u{302}\u{323}".repeat(128), " ".repeat(70));
        assert_eq!(Name::parse("name", &decomposed).expect("128 characters once composed").as_str().chars().count(), 128);
    }

    #[test]
    fn searches_are_bounded() {
        assert!(SearchText::parse("search", Some(&"a".repeat(100_000))).is_err());
        assert_eq!(SearchText::parse("search", Some("  \u{200b} ")).expect("ok"), None);
        assert_eq!(SearchText::parse("search", Some(" Al ")).expect("ok").map(|s| s.as_str().to_string()), Some("Al".into()));
    }
}
