//! Where the desktop app's messages go. A Windows GUI executable has no console, so warnings
//! and errors are appended to `api-switch.log` beside the database; a terminal that started the
//! app also gets everything at info level on stderr. The file is only created when the first
//! warning arrives, so a portable folder normally holds just the executable and its database.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// The log file's name inside the data folder.
pub const LOG_FILE_NAME: &str = "api-switch.log";

/// Past this size the log is moved to `api-switch.log.old` and started afresh, so a long
/// outage upstream cannot fill the disk.
const MAX_LOG_BYTES: u64 = 5 * 1024 * 1024;

/// Sends warnings and errors to the log file in `data_dir` and info to stderr; returns the
/// file's path (for error dialogs).
pub fn init(data_dir: &Path) -> PathBuf {
    let path = data_dir.join(LOG_FILE_NAME);
    let file = fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(LazyFile::new(path.clone())))
        .with_filter(LevelFilter::WARN);
    let stderr =
        fmt::layer()
            .with_writer(io::stderr)
            .with_filter(api_switch::log_filter::from_env_or(
                "api_switch=info,api_switch_desktop=info,engine=info,warn",
            ));
    if tracing_subscriber::registry()
        .with(file)
        .with(stderr)
        .try_init()
        .is_err()
    {
        // Only possible if something installed a subscriber first; its output still goes somewhere.
        eprintln!("api-switch-desktop: logging was already set up; {LOG_FILE_NAME} is not used");
    }
    path
}

/// A log file opened on the first write, and rotated once it grows past `MAX_LOG_BYTES`.
struct LazyFile {
    path: PathBuf,
    file: Option<File>,
    written: u64,
}

impl LazyFile {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: None,
            written: 0,
        }
    }

    fn open(&mut self) -> io::Result<&mut File> {
        if self.written > MAX_LOG_BYTES {
            self.file = None;
            self.written = 0;
            // A failed rename (the file was deleted meanwhile) just starts a new file.
            let _ = std::fs::rename(&self.path, self.path.with_extension("log.old"));
        }
        if self.file.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            self.written = file.metadata().map(|m| m.len()).unwrap_or(0);
            self.file = Some(file);
        }
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the log file is not open"))
    }
}

impl Write for LazyFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.open()?.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}
