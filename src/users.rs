//! The people who use chartmill's workstation: their roles, their
//! passwords (Argon2id, never stored or logged in clear), and the rules of
//! logging in (five failed attempts lock an account for a while).
//!
//! Pure apart from the clock passed in: the store keeps the records
//! (`Store::user`, `Store::put_user`), the CLI and the server call these.

use serde::{Deserialize, Serialize};

/// What a user may do. Each role can do what the one before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reviews and resolves flagged documents.
    Technician,
    /// Also reopens, reassigns, and sees everyone's work.
    Supervisor,
    /// Also manages users, batches and exports.
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Whether this role includes `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// One user, as the store keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub name: String,
    pub role: Role,
    /// Argon2id in the PHC string format (`$argon2id$v=19$m=...`).
    pub password_hash: String,
    pub disabled: bool,
    /// Failed logins since the last good one.
    pub failed_logins: u32,
    /// Seconds since the epoch until which logins are refused.
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub password_changed_at: i64,
}

/// Failed logins that lock an account.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// How long a locked account stays locked, seconds.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why a name or password is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("a user name is 1 to 64 letters, digits, '.', '_' or '-'")]
    BadName,
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("the password could not be hashed")]
    Hash,
}

/// Checks a user name: short, plain characters (it appears in the audit
/// trail and the server's log).
pub fn check_name(name: &str) -> Result<(), UserError> {
    let ok = (1..=64).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    ok.then_some(()).ok_or(UserError::BadName)
}

/// A new user record with `password` hashed.
pub fn new_user(name: &str, role: Role, password: &str, now: i64) -> Result<UserRecord, UserError> {
    check_name(name)?;
    Ok(UserRecord {
        name: name.to_string(),
        role,
        password_hash: hash_password(password)?,
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created_at: now,
        password_changed_at: now,
    })
}

/// Argon2id with the `argon2` crate's defaults (19 MiB, 2 passes, 1 lane:
/// OWASP's recommendation) and a random salt.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use std::io::Read;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserError::ShortPassword);
    }
    let mut random = [0u8; 16];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut random)).map_err(|_| UserError::Hash)?;
    let salt = SaltString::encode_b64(&random).map_err(|_| UserError::Hash)?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| UserError::Hash)
}

/// Whether `password` is the one `hash` was made from.
pub fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// What became of a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    Ok,
    /// Wrong name or password (not said which).
    Refused,
    /// Locked after too many failures, until then.
    Locked {
        until: i64,
    },
    Disabled,
}

/// Decides a login attempt for `user` (None: no such user) at `now`, and
/// returns the record as it must be stored afterwards (failures counted, a
/// lock set or cleared). The password is checked even for a locked account
/// (same time taken), but a locked account is refused whatever it is.
pub fn attempt(user: Option<&UserRecord>, password: &str, now: i64) -> (Login, Option<UserRecord>) {
    let Some(user) = user else {
        // As long as a real check, so timing does not tell which names exist.
        let _ = verify_password(dummy_hash(), password);
        return (Login::Refused, None);
    };
    let good = verify_password(&user.password_hash, password);
    let mut after = user.clone();
    if user.disabled {
        return (Login::Disabled, None);
    }
    if let Some(until) = user.locked_until.filter(|&u| u > now) {
        return (Login::Locked { until }, None);
    }
    if good {
        after.failed_logins = 0;
        after.locked_until = None;
        let changed = after != *user;
        return (Login::Ok, changed.then_some(after));
    }
    after.failed_logins += 1;
    if after.failed_logins >= MAX_FAILED_LOGINS {
        after.failed_logins = 0;
        after.locked_until = Some(now + LOCK_SECONDS);
        return (Login::Locked { until: now + LOCK_SECONDS }, Some(after));
    }
    (Login::Refused, Some(after))
}

/// A hash of no one's password, checked when the name is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no user has this password").unwrap_or_default())
}

// ----- changes to the store's users, each audited (the CLI and the workstation share them) -----

fn audited(
    store: &crate::store::Store,
    by: &str,
    action: &str,
    name: &str,
    after: serde_json::Value,
) -> crate::Result<()> {
    crate::review::record(store, by, action, name, serde_json::Value::Null, after)
}

/// Adds user `name` with `role`; `by` is who does it.
pub fn add(store: &crate::store::Store, by: &str, name: &str, role: Role, password: &str) -> crate::Result<()> {
    let bad = |e: UserError| crate::Error::Config(e.to_string());
    check_name(name).map_err(bad)?;
    if store.user(name)?.is_some() {
        return Err(crate::Error::Config(format!("there is a user {name} already")));
    }
    let record = new_user(name, role, password, crate::model::now()).map_err(bad)?;
    store.put_user(&record)?;
    audited(store, by, "user add", name, serde_json::json!({"role": role.name()}))
}

/// Refuses `name`'s logins from now on.
pub fn disable(store: &crate::store::Store, by: &str, name: &str) -> crate::Result<()> {
    let mut u = store.user(name)?.ok_or_else(|| crate::Error::Config(format!("no user {name}")))?;
    u.disabled = true;
    store.put_user(&u)?;
    audited(store, by, "user disable", name, serde_json::Value::Null)
}

/// Sets `name`'s password anew and lifts a lock.
pub fn set_password(store: &crate::store::Store, by: &str, name: &str, password: &str) -> crate::Result<()> {
    let mut u = store.user(name)?.ok_or_else(|| crate::Error::Config(format!("no user {name}")))?;
    u.password_hash = hash_password(password).map_err(|e| crate::Error::Config(e.to_string()))?;
    (u.failed_logins, u.locked_until, u.password_changed_at) = (0, None, crate::model::now());
    store.put_user(&u)?;
    audited(store, by, "user reset-password", name, serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_kept_as_argon2id_and_checked() {
        let u = new_user("ada.k", Role::Technician, "correct horse battery", 100).unwrap();
        assert!(u.password_hash.starts_with("$argon2id$"), "{}", u.password_hash);
        assert!(!u.password_hash.contains("horse"));
        assert!(verify_password(&u.password_hash, "correct horse battery"));
        assert!(!verify_password(&u.password_hash, "correct horse batterY"));
        assert_eq!(new_user("ada", Role::Admin, "short", 0).unwrap_err(), UserError::ShortPassword);
        assert_eq!(new_user("a b", Role::Admin, "long enough password", 0).unwrap_err(), UserError::BadName);
    }

    #[test]
    fn five_failed_logins_lock_the_account_for_a_while() {
        let mut u = new_user("ada", Role::Technician, "correct horse battery", 0).unwrap();
        for i in 1..MAX_FAILED_LOGINS {
            let (r, after) = attempt(Some(&u), "wrong password!", 1000);
            assert_eq!(r, Login::Refused);
            u = after.unwrap();
            assert_eq!(u.failed_logins, i);
        }
        let (r, after) = attempt(Some(&u), "wrong password!", 1000);
        assert_eq!(r, Login::Locked { until: 1000 + LOCK_SECONDS });
        u = after.unwrap();
        // Locked: even the right password is refused until the lock ends.
        assert_eq!(attempt(Some(&u), "correct horse battery", 1001).0, Login::Locked { until: 1000 + LOCK_SECONDS });
        let (r, after) = attempt(Some(&u), "correct horse battery", 1000 + LOCK_SECONDS);
        assert_eq!(r, Login::Ok);
        assert_eq!(after.unwrap().locked_until, None);
    }

    #[test]
    fn unknown_and_disabled_users_are_refused() {
        assert_eq!(attempt(None, "whatever it is", 0).0, Login::Refused);
        let mut u = new_user("bo", Role::Admin, "correct horse battery", 0).unwrap();
        u.disabled = true;
        assert_eq!(attempt(Some(&u), "correct horse battery", 0).0, Login::Disabled);
    }

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin.allows(Role::Supervisor) && Role::Supervisor.allows(Role::Technician));
        assert!(!Role::Technician.allows(Role::Supervisor));
    }
}
