//! Issue 19, finding 11: files that hold keys (an app's configuration and its backup written
//! by Connect, an export) are written as new files beside their name and renamed into place.
//! No existing path is opened for writing and no symbolic link at a backup's or an output's
//! name is followed: someone who can place a link there gets a clear error, not the token.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use engine::connect::{self, ConnectApp, ConnectError, Home, Target};

const BASE: &str = "http://127.0.0.1:9090";
const OLD_TOKEN: &str = "sk-the-old-token";

fn target() -> Target {
    Target {
        base_url: BASE.into(),
        key: "sk-as-new-key".into(),
    }
}

/// Where Connect remembers the files it created: the data folder's database, here a real
/// SQLite file beside the test's home folder.
fn record(home: &Home) -> engine::store::Store {
    engine::store::Store::open(home.dir.join("api-switch.db")).expect("the record")
}

/// Files under `dir`, recursively (the "stolen" copies a followed link would create).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// A dangling symbolic link at every backup name Connect could choose in the next few seconds:
/// the time in the name is to the millisecond, so an attacker can cover the window. The old
/// code saw a dangling link as "no file" and copied the old token through it.
#[test]
fn connect_refuses_a_dangling_symlink_at_the_backup_name() {
    let home_dir = tempfile::tempdir().expect("home");
    let loot = tempfile::tempdir().expect("attacker's folder");
    let home = Home::at(home_dir.path());
    let config = home.dir.join(".claude/settings.json");
    std::fs::create_dir_all(config.parent().expect("folder")).expect("mkdir");
    let original = format!(r#"{{"env": {{"ANTHROPIC_AUTH_TOKEN": "{OLD_TOKEN}"}}}}"#);
    std::fs::write(&config, &original).expect("old config");

    let start = jiff::Timestamp::now();
    for ms in 0..4000 {
        let at = start
            .checked_add(jiff::SignedDuration::from_millis(ms))
            .expect("time");
        let stamp = at.strftime("%Y%m%dT%H%M%S%.3fZ").to_string();
        let name = format!("settings.json.api-switch-backup-{stamp}");
        std::os::unix::fs::symlink(
            loot.path().join(format!("stolen-{ms}")),
            config.with_file_name(name),
        )
        .expect("plant a link");
    }

    let error = connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home))
        .expect_err("a link at the backup name must be refused");
    assert!(
        matches!(error, ConnectError::Write { .. }),
        "a write error: {error:?}"
    );
    assert!(
        error.to_string().contains("symbolic link"),
        "the error says why: {error}"
    );
    assert!(
        files_under(loot.path()).is_empty(),
        "nothing was written through a link: {:?}",
        files_under(loot.path())
    );
    assert_eq!(
        std::fs::read_to_string(&config).expect("config"),
        original,
        "the configuration is untouched when its backup cannot be saved"
    );
}

/// Undo never restores a link someone placed among the backups.
#[test]
fn undo_ignores_a_symlink_among_the_backups() {
    let home_dir = tempfile::tempdir().expect("home");
    let home = Home::at(home_dir.path());
    connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home)).expect("connect");
    let config = home.dir.join(".claude/settings.json");
    // Sorts after every real backup name (the year 9999).
    let planted = config.with_file_name("settings.json.api-switch-backup-99991231T000000.000Z");
    std::os::unix::fs::symlink("/etc/passwd", &planted).expect("plant");
    connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home)).expect("undo");
    assert!(!config.exists(), "our own backup (none) was restored");
    assert!(planted.is_symlink(), "the link was left alone");
}

#[test]
fn an_export_is_never_written_through_a_symlink() {
    let dir = tempfile::tempdir().expect("dir");
    let loot = tempfile::tempdir().expect("attacker's folder");
    let output = dir.path().join("export.json");
    let target = loot.path().join("stolen.json");
    std::os::unix::fs::symlink(&target, &output).expect("dangling link");
    let error = engine::store::files::write_private(&output, b"{\"keys\":1}")
        .expect_err("a link at the output name must be refused");
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert!(!target.exists(), "nothing was written through the link");
    assert!(output.is_symlink(), "the link is left as it was");

    // A link to an existing file: the file is not written into either.
    std::fs::write(&target, "theirs").expect("their file");
    write_private_refused(&output);
    assert_eq!(std::fs::read_to_string(&target).expect("theirs"), "theirs");
}

fn write_private_refused(output: &Path) {
    assert!(engine::store::files::write_private(output, b"secret").is_err());
}

/// An existing file at the output name is replaced by a new, private file: never opened and
/// written into, so its other names (hard links) and its owner's copy keep their contents.
#[test]
fn an_export_replaces_an_existing_file_instead_of_writing_into_it() {
    let dir = tempfile::tempdir().expect("dir");
    let output = dir.path().join("export.json");
    std::fs::write(&output, "their old contents").expect("old file");
    std::fs::set_permissions(&output, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let other_name = dir.path().join("hard-link.json");
    std::fs::hard_link(&output, &other_name).expect("hard link");
    let old_inode = std::fs::metadata(&output).expect("meta").ino();

    engine::store::files::write_private(&output, b"{\"keys\":1}").expect("export");

    let meta = std::fs::metadata(&output).expect("meta");
    assert_ne!(
        meta.ino(),
        old_inode,
        "a new file, not the old one rewritten"
    );
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read(&output).expect("read"), b"{\"keys\":1}");
    assert_eq!(
        std::fs::read_to_string(&other_name).expect("other name"),
        "their old contents",
        "the existing file was not written into"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().contains("api-switch-tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );
}
