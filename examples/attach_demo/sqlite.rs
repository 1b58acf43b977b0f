//! Ownership data in an embedded SQLite database, read with the single user-scoped query from
//! the bosso-auth docs: every lookup starts from the requesting user's daemons.

use std::sync::Mutex;

use bosso::auth::Error;
use bosso::auth::ownership::{Axis, Ownership, OwnershipStore};
use bosso::token::{ChatId, DaemonId, InstanceId, SessionId, UserId};

pub struct SqliteOwnership {
    conn: Mutex<rusqlite::Connection>,
}

const QUERY: &str = "
SELECT d.id, d.instance_id, s.id, c.id
FROM daemons d
LEFT JOIN sessions s ON s.daemon_id = d.id AND s.id = ?2
LEFT JOIN chats    c ON c.session_id = s.id AND c.id = ?3
WHERE d.user_id = ?1
ORDER BY (s.id IS NULL), (c.id IS NULL)
LIMIT 1";

impl SqliteOwnership {
    pub fn open_in_memory() -> Result<Self, String> {
        let conn = rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?;
        conn.execute_batch(
            "CREATE TABLE daemons (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, instance_id TEXT);
             CREATE TABLE sessions (id TEXT PRIMARY KEY, daemon_id TEXT NOT NULL REFERENCES daemons(id));
             CREATE TABLE chats (id TEXT NOT NULL, session_id TEXT NOT NULL REFERENCES sessions(id),
                                 PRIMARY KEY (session_id, id));",
        )
        .map_err(|e| e.to_string())?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    pub fn exec(&self, sql: &str, params: &[&str]) -> Result<(), String> {
        let conn = self.conn.lock().map_err(|_| "poisoned")?;
        conn.execute(sql, rusqlite::params_from_iter(params.iter()))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn check_sync(
        &self,
        user: &UserId,
        session: &SessionId,
        chat: &ChatId,
    ) -> Result<Ownership, Error> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| Error::StoreUnavailable("sqlite lock".into()))?;
        let mut stmt = conn
            .prepare_cached(QUERY)
            .map_err(|_| Error::StoreUnavailable("sqlite prepare".into()))?;
        let mut rows = stmt
            .query([user.as_str(), session.as_str(), chat.as_str()])
            .map_err(|_| Error::StoreUnavailable("sqlite query".into()))?;
        let Some(row) = rows
            .next()
            .map_err(|_| Error::StoreUnavailable("sqlite row".into()))?
        else {
            return Ok(Ownership::Denied(Axis::Daemon));
        };
        let get = |i| row.get::<_, Option<String>>(i).ok().flatten();
        let (daemon, instance, s, c) = (get(0), get(1), get(2), get(3));
        Ok(match (daemon, instance, s, c) {
            (_, _, None, _) => Ownership::Denied(Axis::Session),
            (_, _, Some(_), None) => Ownership::Denied(Axis::Chat),
            (Some(d), Some(i), Some(_), Some(_)) => match (DaemonId::new(d), InstanceId::new(i)) {
                (Ok(daemon), Ok(instance)) => Ownership::Owned { daemon, instance },
                _ => Ownership::Denied(Axis::Daemon),
            },
            (_, None, Some(_), Some(_)) => Ownership::Denied(Axis::Offline),
            (None, _, _, _) => Ownership::Denied(Axis::Daemon),
        })
    }
}

impl OwnershipStore for SqliteOwnership {
    fn check(
        &self,
        user: &UserId,
        session: &SessionId,
        chat: &ChatId,
    ) -> impl std::future::Future<Output = Result<Ownership, Error>> + Send {
        std::future::ready(self.check_sync(user, session, chat))
    }
}
