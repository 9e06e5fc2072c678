//! The files that hold secrets: the data folder, the database with its `-wal` and `-shm`, and
//! any copy of them (an export with keys, a database moved aside). On unix they are private to
//! the user who runs API Switch (folder 0700, files 0600) whatever the umask; elsewhere the
//! operating system's per-user folders decide, so these functions only create and move.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// The suffixes SQLite adds to the database's name for its companion files.
const COMPANIONS: [&str; 2] = ["-wal", "-shm"];

/// Creates the data folder when it does not exist yet, readable by its owner only. A folder
/// the user already has is left as it is: it is theirs (it may be their home).
pub fn create_data_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    set_private(dir, 0o700)
}

/// Writes `bytes` as a new file at `path` that only its owner can read (an export with keys):
/// a private temporary file in the same folder, renamed over `path`. An existing file at `path`
/// is replaced, never written into (it may belong to someone else or have other links), and a
/// symbolic link there is refused, never followed.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    refuse_symlink(path)?;
    let temp = private_temp_beside(path, bytes)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Writes `bytes` to a private new file in `path`'s folder, synced, ready to be renamed to
/// `path`. `tempfile` creates it with `O_EXCL` (never through a link), mode 0600 on unix.
pub fn private_temp_beside(path: &Path, bytes: &[u8]) -> io::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".api-switch-tmp")
        .tempfile_in(dir)?;
    // `tempfile` makes it 0600 whatever the umask; say so explicitly for other platforms' sake.
    set_private(temp.path(), 0o600)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    Ok(temp)
}

/// A clear error when `path` is a symbolic link (dangling or not): files holding keys are
/// never written through one, whoever placed it.
pub fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} is a symbolic link; refusing to write through it (remove it or choose \
                 another name)",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Makes the database file exist, private, before SQLite opens it: SQLite then creates the
/// `-wal` and `-shm` with the database's own mode. A file from an older version, created with
/// the umask's mode, is made private too.
pub(super) fn prepare_database(path: &Path) -> io::Result<()> {
    if !path.exists() {
        write_private(path, &[])?;
    }
    make_private(path)
}

/// Takes read and write access away from everyone but the owner of the database and its
/// companion files that exist.
pub(super) fn make_private(path: &Path) -> io::Result<()> {
    for file in std::iter::once(path.to_path_buf()).chain(companions(path)) {
        if file.exists() {
            set_private(&file, 0o600)?;
        }
    }
    Ok(())
}

/// Moves a damaged database (with its `-wal` and `-shm`) to `<name>.corrupt-<timestamp>` beside
/// it, private, and returns the new path of the database. Nothing is ever deleted: the user
/// (or a recovery tool) may still get data out of it.
pub(super) fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut aside = with_suffix(path, &format!(".corrupt-{stamp}"));
    let mut n = 1;
    while aside.exists() {
        aside = with_suffix(path, &format!(".corrupt-{stamp}-{n}"));
        n += 1;
    }
    // Companions first: a `-wal` left behind would be replayed into the new, empty database.
    for suffix in COMPANIONS {
        let from = with_suffix(path, suffix);
        if from.exists() {
            let to = with_suffix(&aside, suffix);
            std::fs::rename(&from, &to)?;
            set_private(&to, 0o600)?;
        }
    }
    std::fs::rename(path, &aside)?;
    set_private(&aside, 0o600)?;
    Ok(aside)
}

fn companions(path: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    COMPANIONS.iter().map(|suffix| with_suffix(path, suffix))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(unix)]
fn set_private(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_private(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}
