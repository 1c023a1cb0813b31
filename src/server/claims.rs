//! Claims: a document opened by a technician is theirs for a while, so two
//! technicians never work the same document at once. A claim ends when the
//! document is resolved, when its holder signs out, or `claim_timeout`
//! after its holder last touched it. A supervisor may hand a document to
//! someone else (reassign) or release it. Claims live in memory: a restart
//! frees every document, which loses no work (each action is saved at once).

use super::App;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Claim {
    pub user: String,
    until: Instant,
}

#[derive(Default)]
pub struct Claims {
    held: Mutex<HashMap<String, Claim>>,
}

/// What a claim attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// Yours now (or still).
    Yours,
    /// Someone else holds it.
    By(String),
}

impl Claims {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Claim>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Claims document `id` for `user` unless someone else holds it.
    pub fn claim(&self, id: &str, user: &str, timeout: Duration) -> Claimed {
        let mut held = self.lock();
        let now = Instant::now();
        match held.get(id) {
            Some(c) if c.user != user && c.until > now => Claimed::By(c.user.clone()),
            _ => {
                held.insert(id.to_string(), Claim { user: user.to_string(), until: now + timeout });
                Claimed::Yours
            }
        }
    }

    /// Gives document `id` to `user` whoever holds it (a supervisor's reassign).
    pub fn assign(&self, id: &str, user: &str, timeout: Duration) {
        self.lock().insert(id.to_string(), Claim { user: user.to_string(), until: Instant::now() + timeout });
    }

    pub fn release(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Releases document `id` if `user` holds it (someone else's claim stays).
    pub fn release_own(&self, id: &str, user: &str) {
        let mut held = self.lock();
        if held.get(id).is_some_and(|c| c.user == user) {
            held.remove(id);
        }
    }

    pub fn release_all(&self, user: &str) {
        self.lock().retain(|_, c| c.user != user);
    }

    /// Every live claim: document id to holder.
    pub fn all(&self) -> HashMap<String, String> {
        let now = Instant::now();
        self.lock().iter().filter(|(_, c)| c.until > now).map(|(id, c)| (id.clone(), c.user.clone())).collect()
    }

    fn sweep(&self) {
        let now = Instant::now();
        self.lock().retain(|_, c| c.until > now);
    }
}

/// Drops expired claims and idle sessions once a minute.
pub async fn sweeper(app: Arc<App>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        app.claims.sweep();
        app.sessions.sweep(app.opts.idle_timeout);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claimed_document_is_refused_to_another_until_its_claim_ends() {
        let c = Claims::default();
        let long = Duration::from_secs(60);
        assert_eq!(c.claim("1-1", "ada", long), Claimed::Yours);
        assert_eq!(c.claim("1-1", "ada", long), Claimed::Yours);
        assert_eq!(c.claim("1-1", "bob", long), Claimed::By("ada".into()));
        c.release_own("1-1", "bob");
        assert_eq!(c.claim("1-1", "bob", long), Claimed::By("ada".into()), "bob cannot release ada's");
        c.release_own("1-1", "ada");
        assert_eq!(c.claim("1-1", "bob", long), Claimed::Yours);
        c.assign("1-1", "cy", long);
        assert_eq!(c.all().get("1-1").map(String::as_str), Some("cy"));
        c.release_all("cy");
        assert_eq!(c.all().get("1-1"), None);
    }

    #[test]
    fn an_expired_claim_frees_the_document() {
        let c = Claims::default();
        assert_eq!(c.claim("2-1", "ada", Duration::ZERO), Claimed::Yours);
        assert_eq!(c.claim("2-1", "bob", Duration::from_secs(60)), Claimed::Yours);
        assert!(c.all().get("2-1").is_some_and(|u| u == "bob"));
    }
}
