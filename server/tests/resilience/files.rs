//! The program's files are private to the user who runs it, whatever the umask says.

#[cfg(unix)]
#[test]
fn database_files_are_private_to_the_user_even_with_an_open_umask() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::{Command, Stdio};

    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("fresh").join("data");
    let port = crate::process::free_port();
    // `umask 000` would make every new file world-writable if modes were left to it.
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000 && exec "$0" serve --listen "127.0.0.1:$1" --data-dir "$2""#)
        .arg(crate::process::binary())
        .arg(port.to_string())
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start api-switch under umask 000");
    let mut server = crate::process::Running(child);
    crate::process::wait_healthy(port);
    let mode = |name: &str| {
        std::fs::metadata(data.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(
        std::fs::metadata(&data)
            .expect("data folder")
            .permissions()
            .mode()
            & 0o777,
        0o700,
        "the data folder"
    );
    for file in ["api-switch.db", "api-switch.db-wal", "api-switch.db-shm"] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    // An export with the keys is as private as the database.
    let export = root.path().join("export.json");
    let status = Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000 && exec "$0" export --include-secrets --data-dir "$1" --output "$2""#)
        .arg(crate::process::binary())
        .arg(&data)
        .arg(&export)
        .stderr(Stdio::null())
        .status()
        .expect("export");
    assert!(status.success());
    assert_eq!(
        std::fs::metadata(&export)
            .expect("export")
            .permissions()
            .mode()
            & 0o777,
        0o600,
        "an export with keys"
    );
    server.stop();
}
