//! The workstation's users from the command line: added with a role,
//! listed, disabled, their password set anew; Argon2id only, the password
//! nowhere in the store, every change in the audit trail.

use crate::harness::*;

fn users(store: &std::path::Path, args: &[&str], stdin: &str) -> Run {
    let mut c = cmd(store);
    c.arg("users").args(args);
    run_with_input(c, stdin)
}

#[test]
fn users_are_added_listed_disabled_and_given_a_new_password() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let password = "Quite-long pass phrase 7";
    let r = users(
        &store,
        &["add", "avery", "--role", "admin", "--password-stdin", "--user", "setup"],
        &format!("{password}\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = users(&store, &["add", "blake", "--role", "technician", "--password-stdin"], "short\n");
    assert_eq!(r.code, 2, "a short password is refused: {}", r.stderr);
    assert!(r.stderr.contains("at least 12 characters"), "{}", r.stderr);
    let r = users(&store, &["add", "blake", "--role", "technician", "--password-stdin"], "another long phrase\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = users(&store, &["add", "blake", "--role", "admin", "--password-stdin"], "another long phrase\n");
    assert_eq!(r.code, 2, "a name is taken once");
    let r = users(&store, &["list"], "");
    assert_eq!(r.stdout, "avery\tadmin\tactive\nblake\ttechnician\tactive\n");
    assert_eq!(users(&store, &["disable", "blake", "--user", "avery"], "").code, 0);
    assert!(users(&store, &["list"], "").stdout.contains("blake\ttechnician\tdisabled"));
    assert_eq!(users(&store, &["reset-password", "avery", "--password-stdin"], "a brand new pass phrase\n").code, 0);
    // The passwords are nowhere in the store's files.
    drop(users(&store, &["list"], ""));
    for entry in walkdir::WalkDir::new(&store) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            for secret in [password, "another long phrase", "a brand new pass phrase"] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret:?} in {}",
                    entry.path().display()
                );
            }
        }
    }
    let mut c = cmd(&store);
    c.arg("audit");
    let audit = run(c).stdout;
    for action in ["user add", "user disable", "user reset-password"] {
        assert!(audit.contains(action), "{action} not audited: {audit}");
    }
    assert!(!audit.contains("phrase") && !audit.contains("argon2"), "{audit}");
}
