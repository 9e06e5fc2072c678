//! Where `cargo xtask run` keeps the user's data. The release binary's portable default (the
//! database beside the executable) would put it in `target/release`, and `cargo clean` deletes
//! `target/` with every channel and key in it. So `run` passes the server a data folder outside
//! the build tree: the one the user chose (`--data-dir` or `API_SWITCH_DATA_DIR`), else the XDG
//! data folder (`$XDG_DATA_HOME/api-switch`, by default `~/.local/share/api-switch`). A database
//! an earlier `run` left in the build tree is moved there once, so upgrading loses nothing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The database's file name and the SQLite files that belong with it.
const DATABASE_FILES: [&str; 3] = ["api-switch.db", "api-switch.db-wal", "api-switch.db-shm"];

/// What `run` needs to know of its environment, gathered once (tests pass their own).
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub data_dir_var: Option<OsString>,
    pub xdg_data_home: Option<OsString>,
    pub home: Option<OsString>,
}

impl Environment {
    pub fn from_process() -> Self {
        Self {
            data_dir_var: std::env::var_os("API_SWITCH_DATA_DIR"),
            xdg_data_home: std::env::var_os("XDG_DATA_HOME"),
            home: std::env::var_os("HOME"),
        }
    }
}

/// The arguments `run` passes to `api-switch serve`: the user's own, plus `--data-dir` outside
/// the build folder when they named none (moving a database an earlier `run` left beside the
/// release binary there first). Returns the arguments and the data folder, for `run` to show.
pub fn serve_args(
    user_args: &[String],
    env: &Environment,
    target_dir: &Path,
) -> Result<(Vec<String>, Option<PathBuf>)> {
    if names_data_dir(user_args) {
        return Ok((user_args.to_vec(), None));
    }
    let data_dir = choose(env, target_dir)?;
    adopt_old_database(&target_dir.join("release"), &data_dir)?;
    let mut args = user_args.to_vec();
    args.push("--data-dir".into());
    args.push(data_dir.display().to_string());
    Ok((args, Some(data_dir)))
}

/// Whether the user already named a data folder on `run`'s command line.
fn names_data_dir(serve_args: &[String]) -> bool {
    serve_args
        .iter()
        .any(|arg| arg == "--data-dir" || arg.starts_with("--data-dir="))
}

/// The folder `run` gives the server: the user's choice, else the XDG data folder. Never
/// inside `target_dir`, which `cargo clean` deletes.
pub fn choose(env: &Environment, target_dir: &Path) -> Result<PathBuf> {
    let chosen = if let Some(dir) = env.data_dir_var.as_ref().filter(|d| !d.is_empty()) {
        PathBuf::from(dir)
    } else if let Some(xdg) = env.xdg_data_home.as_ref().filter(|d| !d.is_empty()) {
        PathBuf::from(xdg).join("api-switch")
    } else if let Some(home) = env.home.as_ref().filter(|d| !d.is_empty()) {
        PathBuf::from(home).join(".local/share/api-switch")
    } else {
        bail!("neither HOME nor XDG_DATA_HOME is set; pass --data-dir DIR to `cargo xtask run`")
    };
    if chosen.starts_with(target_dir) {
        bail!(
            "the data folder {} is inside the build folder {}, which `cargo clean` deletes; \
             choose another with --data-dir",
            chosen.display(),
            target_dir.display()
        );
    }
    Ok(chosen)
}

/// Moves a database an earlier `run` kept beside the release binary into `data_dir`, when
/// `data_dir` holds none yet. Returns whether it moved one.
pub fn adopt_old_database(old_dir: &Path, data_dir: &Path) -> Result<bool> {
    let old_db = old_dir.join(DATABASE_FILES[0]);
    if !old_db.exists() || data_dir.join(DATABASE_FILES[0]).exists() {
        return Ok(false);
    }
    create_private_dir(data_dir)?;
    for name in DATABASE_FILES {
        let from = old_dir.join(name);
        if from.exists() {
            let to = data_dir.join(name);
            move_file(&from, &to)
                .with_context(|| format!("moving {} to {}", from.display(), to.display()))?;
        }
    }
    Ok(true)
}

/// `rename`, or copy and remove when the two folders are on different file systems.
fn move_file(from: &Path, to: &Path) -> Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to)?;
    std::fs::remove_file(from)?;
    Ok(())
}

/// The data folder holds every key: only its owner may enter it (the server does the same
/// for a folder it creates).
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating the data folder {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "xtask-run-data-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).ok();
        dir
    }

    #[test]
    fn the_default_data_folder_is_outside_the_build_folder() {
        let home = scratch("home");
        let target = home.join("project/target");
        let env = Environment {
            home: Some(home.clone().into_os_string()),
            ..Environment::default()
        };
        let dir = choose(&env, &target).expect("a data folder");
        assert_eq!(dir, home.join(".local/share/api-switch"));
        assert!(!dir.starts_with(&target));
    }

    #[test]
    fn xdg_and_the_users_choice_come_first() {
        let target = PathBuf::from("/p/target");
        let mut env = Environment {
            xdg_data_home: Some("/x".into()),
            home: Some("/h".into()),
            ..Environment::default()
        };
        assert_eq!(
            choose(&env, &target).ok(),
            Some(PathBuf::from("/x/api-switch"))
        );
        env.data_dir_var = Some("/mine".into());
        assert_eq!(choose(&env, &target).ok(), Some(PathBuf::from("/mine")));
    }

    #[test]
    fn a_data_folder_inside_target_is_refused_with_the_way_out() {
        let env = Environment {
            data_dir_var: Some("/p/target/release".into()),
            ..Environment::default()
        };
        let error = choose(&env, Path::new("/p/target"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("cargo clean"), "{error}");
        assert!(error.contains("--data-dir"), "{error}");
    }

    #[test]
    fn a_database_left_in_the_build_folder_is_moved_once_and_never_over_a_newer_one() {
        let root = scratch("adopt");
        let old = root.join("target/release");
        let new = root.join("data");
        std::fs::create_dir_all(&old).ok();
        std::fs::write(old.join("api-switch.db"), b"old db").ok();
        std::fs::write(old.join("api-switch.db-wal"), b"old wal").ok();
        assert!(adopt_old_database(&old, &new).expect("moved"));
        assert_eq!(
            std::fs::read(new.join("api-switch.db")).ok(),
            Some(b"old db".to_vec())
        );
        assert_eq!(
            std::fs::read(new.join("api-switch.db-wal")).ok(),
            Some(b"old wal".to_vec())
        );
        assert!(!old.join("api-switch.db").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&new).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o700));
        }
        // A second database in the build folder never replaces the one in use.
        std::fs::write(old.join("api-switch.db"), b"stray").ok();
        assert!(!adopt_old_database(&old, &new).expect("checked"));
        assert_eq!(
            std::fs::read(new.join("api-switch.db")).ok(),
            Some(b"old db".to_vec())
        );
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn run_starts_the_server_with_its_data_outside_the_build_folder() {
        let home = scratch("serve-args");
        let target = home.join("project/target");
        std::fs::create_dir_all(target.join("release")).ok();
        std::fs::write(target.join("release/api-switch.db"), b"channels").ok();
        let env = Environment {
            home: Some(home.clone().into_os_string()),
            ..Environment::default()
        };
        let user = vec!["--listen".to_owned(), "127.0.0.1:9191".to_owned()];
        let (args, shown) = serve_args(&user, &env, &target).expect("arguments");
        let data = home.join(".local/share/api-switch");
        assert_eq!(
            args,
            [
                "--listen",
                "127.0.0.1:9191",
                "--data-dir",
                &data.display().to_string()
            ]
        );
        assert_eq!(shown, Some(data.clone()));
        // What `cargo clean` deletes no longer holds the user's configuration.
        std::fs::remove_dir_all(&target).ok();
        assert_eq!(
            std::fs::read(data.join("api-switch.db")).ok(),
            Some(b"channels".to_vec())
        );
        std::fs::remove_dir_all(&home).ok();
    }

    #[test]
    fn a_data_dir_on_the_command_line_is_noticed() {
        assert!(names_data_dir(&["--data-dir".into(), "/d".into()]));
        assert!(names_data_dir(&["--data-dir=/d".into()]));
        assert!(!names_data_dir(&["--listen".into(), "0.0.0.0:9090".into()]));
    }
}
