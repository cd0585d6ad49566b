//! Operating the database (issue 13, "safe operations"): opening it with errors that name
//! the file or the server, one process per SQLite file, the WAL checkpoint of a clean
//! shutdown, and online backups.

use crate::config::Settings;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `open` waits for a PostgreSQL server to accept a TCP connection.
const REACH_TIMEOUT: Duration = Duration::from_secs(5);

/// `db::connect_with`, with errors that say where: the SQLite file, or PostgreSQL's host
/// and port (an unreachable server fails within `REACH_TIMEOUT`, not after the pool's
/// 30-second acquire timeout).
pub async fn open(settings: &Settings, checked: super::Checked) -> Result<DatabaseConnection, String> {
    let place = where_is(settings);
    if let Some((host, port)) = postgres_address(&settings.database_url) {
        let reach = tokio::time::timeout(REACH_TIMEOUT, tokio::net::TcpStream::connect((host.as_str(), port))).await;
        match reach {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("{place} is unreachable: {e}")),
            Err(_) => return Err(format!("{place} is unreachable: no answer within {}s", REACH_TIMEOUT.as_secs())),
        }
    }
    check_sqlite_path(settings)?;
    super::connect_with(settings, checked).await.map_err(|e| format!("{place}: {e}"))
}

/// Refuses a SQLite file that cannot be there (its directory is missing), naming it;
/// checked before anything (the secret file beside it, the lock) is created.
pub fn check_sqlite_path(settings: &Settings) -> Result<(), String> {
    if let Some(file) = settings.sqlite_file()
        && let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(format!("{}: the directory {} does not exist", where_is(settings), dir.display()));
    }
    Ok(())
}

/// "SQLite database FILE" or "PostgreSQL at HOST:PORT" (never the password).
pub fn where_is(settings: &Settings) -> String {
    if let Some(file) = settings.sqlite_file() {
        return format!("SQLite database {}", absolute(&file).display());
    }
    if settings.is_sqlite() {
        return "in-memory SQLite database".into();
    }
    match postgres_address(&settings.database_url) {
        Some((host, port)) => format!("PostgreSQL at {host}:{port}"),
        None => "PostgreSQL (via a Unix socket)".into(),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Host and port of a `postgres://` URL (port 5432 when absent); None for other URLs and
/// Unix sockets.
fn postgres_address(database_url: &str) -> Option<(String, u16)> {
    let url = url::Url::parse(database_url).ok()?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return None;
    }
    let host = url.host_str().filter(|h| !h.is_empty())?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    Some((host, url.port().unwrap_or(5432)))
}

/// An exclusive lock on `<file>.lock` beside a SQLite database, held while a process
/// serves or migrates it: a second `orgraph serve` on the same file is refused instead
/// of racing the first one's writes and migrations. The OS releases it when the
/// process ends, however it ends.
#[derive(Debug)]
pub struct FileLock {
    _file: std::fs::File,
    pub path: PathBuf,
}

/// Takes the lock of the SQLite database of `settings`; None for PostgreSQL and
/// in-memory databases.
/// A read-only opening (`mode=ro`) writes nothing and takes no lock.
pub fn lock_sqlite(settings: &Settings) -> Result<Option<FileLock>, String> {
    let Some(db) = settings.sqlite_file() else { return Ok(None) };
    let params = settings.database_url.split_once('?').map_or("", |(_, p)| p);
    if params.split('&').any(|p| p == "mode=ro") {
        return Ok(None);
    }
    // Beside the file the path resolves to: a symbolic link to a database (or to its
    // directory) names the same lock as the file itself.
    let db = match (std::fs::canonicalize(&db), db.parent().map(std::fs::canonicalize), db.file_name()) {
        (Ok(real), _, _) => real,
        (Err(_), Some(Ok(dir)), Some(name)) => dir.join(name),
        _ => db,
    };
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    let path = db.with_file_name(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("SQLite database {}: cannot open its lock file {}: {e}", db.display(), path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(FileLock { _file: file, path })),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "SQLite database {} is in use by another orgraph process (lock {} is held): one process per SQLite file; use PostgreSQL to run several",
            absolute(&db).display(),
            path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("SQLite database {}: cannot lock {}: {e}", db.display(), path.display()))
        }
    }
}

/// Folds the write-ahead log into the database file and empties it, so that the `.db`
/// file alone holds every committed write (a no-op on PostgreSQL). Returns whether the
/// checkpoint was complete (no reader kept a part of the log busy).
pub async fn checkpoint(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(true);
    }
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_checkpoint(TRUNCATE)")).await?;
    let busy: i32 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(busy == 0)
}

/// Writes a consistent copy of the live SQLite database to `target` (`VACUUM INTO`: one
/// read transaction, so writes that commit meanwhile are either wholly in it or not at
/// all; the server keeps running). `target` must not exist.
pub async fn backup(db: &DatabaseConnection, target: &Path) -> Result<(), String> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err("orgraph backup copies SQLite databases; back up PostgreSQL with pg_dump (README: Day two)".into());
    }
    if target.exists() {
        return Err(format!("{} exists: choose a new file (a backup never overwrites)", target.display()));
    }
    let text = target.to_str().ok_or_else(|| format!("{}: the file name is not UTF-8", target.display()))?;
    let sql = format!("VACUUM INTO '{}'", text.replace('\'', "''"));
    db.execute_unprepared(&sql).await.map_err(|e| format!("backup into {}: {e}", target.display()))?;
    // A backup that cannot be opened is no backup: check it before saying so.
    let check = Settings::with_database(format!("sqlite://{text}?mode=rw"));
    let copy = super::connect_with(&check, super::Checked::EveryUse)
        .await
        .map_err(|e| format!("backup {} cannot be opened: {e}", target.display()))?;
    let row = copy
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check"))
        .await
        .map_err(|e| format!("backup {}: {e}", target.display()))?;
    let verdict: String = row.and_then(|r| r.try_get_by_index(0).ok()).unwrap_or_default();
    copy.close().await.map_err(|e| e.to_string())?;
    if verdict != "ok" {
        return Err(format!("backup {} failed its integrity check: {verdict}", target.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_name_host_and_port_without_the_password() {
        let s = Settings::with_database("postgres://u:hunter2@db.internal:6543/orgraph");
        assert_eq!(where_is(&s), "PostgreSQL at db.internal:6543");
        let s = Settings::with_database("postgresql://u@10.0.0.1/orgraph");
        assert_eq!(where_is(&s), "PostgreSQL at 10.0.0.1:5432");
    }
}
