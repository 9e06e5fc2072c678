//! `cargo xtask test-desktop`: the desktop executable as a person uses it, under Xvfb with a
//! D-Bus session (so the tray and the single-instance lock register). It is copied into an
//! empty folder and started there; the checks: its window appears (a screenshot is kept and
//! must not be blank), the server inside answers on the proxy port, `api-switch.db` appears
//! beside the executable, closing the window hides it while the proxy keeps answering, and a
//! second start exits at once and shows the first one's window again; then the tray menu, read
//! and clicked over D-Bus as a panel does (`dbusmenu`), follows an import, moves the clicked
//! entry to the top of the AUTO group, follows the UI language, and "Quit" ends the app.
//! `cargo xtask test` runs it on an unoptimised build (see [`run_in_tests`]).

mod dbusmenu;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::process::{Service, free_port, http_request, local};
use crate::setup;
use crate::shell::{cmd, root_dir, run_cmd, say, target_dir};

/// The window's title, as the desktop app sets it.
const WINDOW_TITLE: &str = "^API Switch$";
/// Cold WebKit start-up under a software renderer on a busy machine is slow.
const WINDOW_WAIT: Duration = Duration::from_secs(90);

/// Which build of the desktop app is tested: `target/<dir>/api-switch-desktop`.
#[derive(Clone, Copy)]
enum Build {
    Release,
    Debug,
}

impl Build {
    fn dir(self) -> &'static str {
        match self {
            Build::Release => "release",
            Build::Debug => "debug",
        }
    }
}

/// `cargo xtask test-desktop`: the release build, as it ships.
pub fn run() -> Result<()> {
    if std::env::var_os("API_SWITCH_DESKTOP_NO_BUILD").is_none() {
        crate::builds::build_desktop()?;
        say("cargo build --release --package api-switch");
        run_cmd(cmd("cargo").args(["build", "--release", "--package", "api-switch"]))?;
    }
    check(Build::Release)
}

/// Part of `cargo xtask test`, which has built the UI bundle and the headless release server
/// already: an unoptimised desktop build compiles in a fraction of a release one's time, and
/// shares its dependencies with the test binaries. What is tested (window, tray, single
/// instance, portable data) does not depend on optimisation.
pub fn run_in_tests() -> Result<()> {
    crate::setup::desktop_packages()?;
    say("cargo build --package api-switch-desktop");
    run_cmd(cmd("cargo").args(["build", "--package", "api-switch-desktop"]))?;
    check(Build::Debug)
}

fn check(build: Build) -> Result<()> {
    setup::debian_packages(&[
        ("xvfb", "/usr/bin/Xvfb"),
        ("dbus-x11", "/usr/bin/dbus-launch"),
        ("xdotool", "/usr/bin/xdotool"),
        ("imagemagick", "/usr/bin/import"),
        ("python3-xlib", "/usr/lib/python3/dist-packages/Xlib"),
        ("libglib2.0-bin", "/usr/bin/gdbus"),
    ])?;
    let paths = Paths::fresh(build)?;
    let session = Session::start(&paths.work, &paths.home)?;
    let port = free_port()?;
    let log = paths.work.join("first.log");
    let mut first = Service::start(
        "the desktop app",
        session
            .command(&paths.exe)
            .args(["--listen", &format!("127.0.0.1:{port}")]),
        &log,
    )?;
    let started = Instant::now();
    let window = session.wait_for_window(&mut first, &log)?;
    say(&format!(
        "the window appeared after {:.1?}",
        started.elapsed()
    ));
    check_proxy(port, "with the window open")?;
    let db = paths.folder.join("api-switch.db");
    if !db.is_file() {
        bail!(
            "{} is missing: the database is not beside the executable",
            db.display()
        );
    }
    say(&format!("{} is beside the executable", db.display()));
    let screenshot = paths.work.join("window.png");
    session.screenshot_when_drawn(&screenshot)?;
    say(&format!("screenshot: {}", screenshot.display()));

    session.close_window(&window)?;
    session.wait_until(
        || Ok(session.visible_windows()?.is_empty()),
        "the window to hide",
    )?;
    first.ensure_running(&log)?;
    check_proxy(port, "after the window was closed")?;
    say("closing the window hid it; the proxy still answers");

    check_second_start(&session, &paths)?;
    first.ensure_running(&log)?;
    check_proxy(port, "after the second start")?;

    check_tray(&session, &mut first, &paths)?;
    if TcpStream::connect(local(port)).is_ok() {
        bail!("the port still answers after Quit");
    }
    say("desktop test passed");
    Ok(())
}

/// The test's folders: an empty portable folder holding only the executable, and a home.
struct Paths {
    work: PathBuf,
    folder: PathBuf,
    home: PathBuf,
    exe: PathBuf,
    /// The headless server edits the data folder from outside, as `api-switch import` does.
    headless: PathBuf,
}

impl Paths {
    fn fresh(build: Build) -> Result<Self> {
        let built = target_dir().join(build.dir()).join("api-switch-desktop");
        let work = root_dir().join("target/desktop-test");
        let _ = std::fs::remove_dir_all(&work);
        let folder = work.join("portable");
        let home = work.join("home");
        std::fs::create_dir_all(&folder)?;
        std::fs::create_dir_all(&home)?;
        let exe = folder.join("api-switch-desktop");
        std::fs::copy(&built, &exe)
            .with_context(|| format!("cannot copy {} (build it first)", built.display()))?;
        Ok(Self {
            work,
            folder,
            home,
            exe,
            headless: target_dir().join("release/api-switch"),
        })
    }
}

/// A second start must exit by itself, successfully, and show the first one's window.
fn check_second_start(session: &Session, paths: &Paths) -> Result<()> {
    let started = Instant::now();
    let mut second = Service::start(
        "the second instance",
        session
            .command(&paths.exe)
            .args(["--listen", &format!("127.0.0.1:{}", free_port()?)]),
        &paths.work.join("second.log"),
    )?;
    let status = second.wait_exit(Duration::from_secs(30))?;
    if !status.success() {
        bail!("the second instance exited with {status}");
    }
    say(&format!(
        "the second instance exited ({status}) after {:.1?}",
        started.elapsed()
    ));
    session.wait_until(
        || Ok(!session.visible_windows()?.is_empty()),
        "the first instance's window to show again",
    )?;
    session.screenshot_when_drawn(&paths.work.join("shown-again.png"))?;
    say("the second start showed the first one's window");
    Ok(())
}

/// Labels of the AUTO entries the tray lists, in order, with their check marks.
fn tray_entries(items: &[dbusmenu::Item]) -> Vec<(String, bool)> {
    items
        .iter()
        .filter(|i| i.label.contains(" @ "))
        .map(|i| (i.label.clone(), i.checked))
        .collect()
}

const CONFIG: &str = r#"{"version": 1, "settings": {"ui_language": "LANG"},
 "channels": [{"name": "A", "api_type": "openai", "base_url": "http://127.0.0.1:9",
   "entries": [{"model": "alpha"}, {"model": "beta"}, {"model": "gamma", "group": "coding"}]}]}"#;

/// The tray as a panel uses it: read and click over D-Bus.
fn check_tray(session: &Session, app: &mut Service, paths: &Paths) -> Result<()> {
    let menu = &find_tray_menu(session, app.pid())?;
    import_config(paths, "en")?;
    let expect = |entries: &[(&str, bool)]| {
        let wanted: Vec<(String, bool)> =
            entries.iter().map(|(l, c)| (l.to_string(), *c)).collect();
        move || Ok(tray_entries(&menu.items()?) == wanted)
    };
    let since = Instant::now();
    session.wait_until(
        expect(&[("alpha @ A", true), ("beta @ A", false)]),
        "the imported AUTO entries in the tray",
    )?;
    say(&format!(
        "the tray followed an outside import in {:.1?}",
        since.elapsed()
    ));

    menu.click("beta @ A")?;
    session.wait_until(
        expect(&[("beta @ A", true), ("alpha @ A", false)]),
        "the clicked entry first and checked",
    )?;
    let (beta, alpha, gamma) = (
        exported_place(paths, "beta")?,
        exported_place(paths, "alpha")?,
        exported_place(paths, "gamma")?,
    );
    if beta.0 >= alpha.0 || beta.1 != "auto" || gamma.1 != "coding" {
        bail!(
            "the click did not move beta to the top of auto only: \
             beta {beta:?}, alpha {alpha:?}, gamma {gamma:?}"
        );
    }
    say("clicking `beta @ A` moved it to the top of the AUTO group (saved in the database)");

    import_config(paths, "zh")?;
    session.wait_until(
        || {
            let items = menu.items()?;
            Ok(
                items.first().map(|i| i.label.as_str()) == Some("打开 API Switch")
                    && items.last().map(|i| i.label.as_str()) == Some("退出"),
            )
        },
        "the Chinese labels",
    )?;
    say("the tray's labels follow the UI language (zh)");

    menu.click("退出")?;
    let status = app.wait_exit(Duration::from_secs(30))?;
    if !status.success() {
        bail!("Quit ended the app with {status}");
    }
    say(&format!("Quit ended the app ({status})"));
    Ok(())
}

/// Waits for process `pid`'s tray menu on the bus; an empty database shows only the fixed
/// items and a disabled note.
fn find_tray_menu(session: &Session, pid: u32) -> Result<dbusmenu::TrayMenu> {
    let mut found = None;
    session.wait_until(
        || {
            found = dbusmenu::TrayMenu::of_process(&session.bus, pid).ok();
            Ok(found.is_some())
        },
        "the tray menu on D-Bus",
    )?;
    let menu = found.context("the tray menu")?;
    let items = menu.items()?;
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    if labels.first() != Some(&"Open API Switch") || labels.last() != Some(&"Quit") {
        bail!("unexpected tray menu {labels:?}");
    }
    if !items
        .iter()
        .any(|i| i.label == "No AUTO entry available" && !i.enabled)
    {
        bail!("an empty database should show a disabled note: {items:?}");
    }
    say(&format!("the tray menu is on D-Bus: {labels:?}"));
    Ok(menu)
}

/// Replaces the configuration from outside with `api-switch import`, UI language `language`.
fn import_config(paths: &Paths, language: &str) -> Result<()> {
    let file = paths.work.join(format!("config-{language}.json"));
    std::fs::write(&file, CONFIG.replace("LANG", language))?;
    let status = Command::new(&paths.headless)
        .arg("import")
        .arg(&file)
        .arg("--data-dir")
        .arg(&paths.folder)
        .status()?;
    if !status.success() {
        bail!("api-switch import failed ({status})");
    }
    Ok(())
}

/// An entry's priority and group, read back with `api-switch export`.
fn exported_place(paths: &Paths, model: &str) -> Result<(i64, String)> {
    let export = Command::new(&paths.headless)
        .arg("export")
        .arg("--data-dir")
        .arg(&paths.folder)
        .output()?;
    let config: serde_json::Value = serde_json::from_slice(&export.stdout)?;
    let entry = config["channels"][0]["entries"]
        .as_array()
        .and_then(|list| list.iter().find(|e| e["model"] == model))
        .with_context(|| format!("{model} is not in the export: {config}"))?;
    Ok((
        entry["priority"].as_i64().unwrap_or(i64::MAX),
        entry["group"].as_str().unwrap_or_default().to_owned(),
    ))
}

/// `GET /health` must answer 200 with `"status":"ok"`, and `GET /v1/models` a model list.
fn check_proxy(port: u16, when: &str) -> Result<()> {
    let (status, body) = http_request(local(port), "GET", "/health", "desktop-test", "")?;
    let body = String::from_utf8_lossy(&body);
    if status != 200 || !body.contains("\"status\":\"ok\"") {
        bail!("/health {when}: {status} {body}");
    }
    let (status, body) = http_request(local(port), "GET", "/v1/models", "desktop-test", "")?;
    let body = String::from_utf8_lossy(&body);
    if status != 200 || !body.contains("\"object\":\"list\"") {
        bail!("/v1/models {when}: {status} {body}");
    }
    say(&format!("the proxy on port {port} answers {when}"));
    Ok(())
}

/// An X display and a D-Bus session bus of our own, stopped when dropped.
struct Session {
    display: String,
    bus: String,
    home: PathBuf,
    _xvfb: Service,
    _dbus: Service,
}

impl Session {
    fn start(work: &Path, home: &Path) -> Result<Self> {
        // The first free display from :90 up (a taken one has a lock file, or Xvfb exits).
        let (display, xvfb) = (90..110)
            .filter(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())
            .find_map(|n| {
                let display = format!(":{n}");
                let log = work.join("xvfb.log");
                let mut xvfb = Service::start(
                    "Xvfb",
                    Command::new("Xvfb").args([
                        &display,
                        "-screen",
                        "0",
                        "1280x800x24",
                        "-nolisten",
                        "tcp",
                    ]),
                    &log,
                )
                .ok()?;
                let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
                let since = Instant::now();
                while !socket.exists() && since.elapsed() < Duration::from_secs(10) {
                    xvfb.ensure_running(&log).ok()?;
                    std::thread::sleep(Duration::from_millis(100));
                }
                xvfb.ensure_running(&log).ok()?;
                Some((display, xvfb))
            })
            .context("no free X display between :90 and :109")?;
        let dbus_log = work.join("dbus.log");
        let dbus = Service::start(
            "dbus-daemon",
            Command::new("dbus-daemon").args(["--session", "--nofork", "--print-address=1"]),
            &dbus_log,
        )?;
        let since = Instant::now();
        let bus = loop {
            let text = std::fs::read_to_string(&dbus_log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.starts_with("unix:")) {
                break line.to_owned();
            }
            if since.elapsed() > Duration::from_secs(10) {
                bail!("dbus-daemon printed no address; see {}", dbus_log.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        say(&format!("Xvfb on {display}, D-Bus session at {bus}"));
        Ok(Self {
            display,
            bus,
            home: home.to_path_buf(),
            _xvfb: xvfb,
            _dbus: dbus,
        })
    }

    /// `program` on this display and bus, with a home folder of its own (login items, WebKit
    /// caches) and the settings WebKitGTK needs to draw under Xvfb.
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(program.parent().unwrap_or(Path::new("/")))
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env_remove("API_SWITCH_DATA_DIR");
        command
    }

    fn x_tool(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("DISPLAY", &self.display);
        command
    }

    /// Ids of mapped windows titled "API Switch".
    fn visible_windows(&self) -> Result<Vec<String>> {
        let out = self
            .x_tool("xdotool")
            .args(["search", "--onlyvisible", "--name", WINDOW_TITLE])
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect())
    }

    fn wait_for_window(&self, app: &mut Service, log: &Path) -> Result<String> {
        let since = Instant::now();
        loop {
            if let Some(id) = self.visible_windows()?.into_iter().next() {
                return Ok(id);
            }
            app.ensure_running(log)?;
            if since.elapsed() > WINDOW_WAIT {
                bail!("no window within {WINDOW_WAIT:?}; see {}", log.display());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn wait_until(&self, mut done: impl FnMut() -> Result<bool>, what: &str) -> Result<()> {
        let since = Instant::now();
        while !done()? {
            if since.elapsed() > Duration::from_secs(20) {
                bail!("waited 20 s for {what}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }

    /// What a window manager sends when the user clicks the close button.
    fn close_window(&self, id: &str) -> Result<()> {
        const SEND_DELETE: &str = "import sys
from Xlib import X, display, protocol
d = display.Display()
w = d.create_resource_object('window', int(sys.argv[1]))
msg = protocol.event.ClientMessage(window=w, client_type=d.intern_atom('WM_PROTOCOLS'),
    data=(32, [d.intern_atom('WM_DELETE_WINDOW'), X.CurrentTime, 0, 0, 0]))
w.send_event(msg, event_mask=X.NoEventMask)
d.flush()";
        let status = self
            .x_tool("/usr/bin/python3")
            .args(["-c", SEND_DELETE, id])
            .status()?;
        if !status.success() {
            bail!("cannot send WM_DELETE_WINDOW to window {id}");
        }
        Ok(())
    }

    /// A screenshot of the screen, once the page has drawn: a blank (single-colour) screen
    /// means WebKit drew nothing, which is retried for a while and then a failure.
    fn screenshot_when_drawn(&self, path: &Path) -> Result<()> {
        let since = Instant::now();
        loop {
            let status = self
                .x_tool("import")
                .args(["-window", "root"])
                .arg(path)
                .status()?;
            if !status.success() {
                bail!("cannot take a screenshot");
            }
            let colours = Command::new("identify")
                .args(["-format", "%k"])
                .arg(path)
                .output()?;
            let colours: u32 = String::from_utf8_lossy(&colours.stdout)
                .trim()
                .parse()
                .unwrap_or(0);
            if colours > 16 {
                return Ok(());
            }
            if since.elapsed() > Duration::from_secs(30) {
                bail!(
                    "the window stayed blank ({colours} colours); see {}",
                    path.display()
                );
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}
