//! The JWT secret: a value that never prints, and the file it is kept in when none is
//! configured (created once, private, never overwritten).

/// A secret value that never prints.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The secret kept in `path`; None when there is no such file. A file holding fewer than
/// 32 bytes is an error: silently generating another secret would not be persisted.
pub(super) fn read_secret_file(path: &std::path::Path) -> std::io::Result<Option<Secret>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = trim_newline(bytes);
            if bytes.len() < 32 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "holds fewer than 32 bytes: delete it to generate a new secret, or set ORGRAPH_JWT_SECRET",
                ));
            }
            Ok(Some(Secret::new(bytes)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn trim_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last().is_some_and(|b| b.is_ascii_whitespace()) {
        bytes.pop();
    }
    bytes
}

/// Creates `path` (mode 0600 on unix) holding `bytes`, atomically: the content is written
/// to a temporary file first and then hard-linked into place, so another process never
/// reads a half-written secret and an existing file is never overwritten.
pub(super) fn install_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_file_name(format!(".orgraph-secret.{}.{}", std::process::id(), uuid::Uuid::now_v7().simple()));
    let result = (|| {
        let mut f = create_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            // No hard links on this file system: exclusive create, still never overwriting.
            Err(_) => match create_private(path) {
                Ok(mut f) => f.write_all(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(e),
            },
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(unix)]
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}
