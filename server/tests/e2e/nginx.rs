//! A real nginx as the reverse proxy in front of API Switch, the way users put one there. It
//! runs as an ordinary child process (no system service) from a config written into a temp
//! folder, on free loopback ports, one `server` block per proxy set-up under test, and is
//! stopped when the test ends. `cargo xtask test` installs Debian's `nginx` package.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::free_port;

/// A running nginx; `ports[i]` serves `sites[i]` of `start`.
pub struct Nginx {
    master: Child,
    _dir: tempfile::TempDir,
    pub ports: Vec<u16>,
}

impl Drop for Nginx {
    /// SIGTERM to the master, which stops its workers; SIGKILL if it has not after 5 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.master.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.master.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.master.kill();
        let _ = self.master.wait();
    }
}

/// The nginx binary: `$NGINX`, else Debian's.
fn binary() -> PathBuf {
    let path =
        std::env::var_os("NGINX").map_or_else(|| PathBuf::from("/usr/sbin/nginx"), PathBuf::from);
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask test` (it installs nginx) or `apt-get install nginx`",
        path.display()
    );
    path
}

/// Starts nginx with one `server` per entry of `sites`, each proxying every path to
/// `upstream` with the given extra `location` directives (empty: a plain `proxy_pass`).
pub fn start(upstream: SocketAddr, sites: &[&str]) -> Nginx {
    let dir = tempfile::tempdir().expect("temp dir");
    // Workers drop root to `nobody`; they must reach their temp folders below this one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let root = dir.path().display().to_string();
    let ports: Vec<u16> = sites.iter().map(|_| free_port()).collect();
    let servers: String = sites
        .iter()
        .zip(&ports)
        .map(|(directives, port)| {
            format!(
                "server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://{upstream}; {directives} }} }}\n"
            )
        })
        .collect();
    let config = format!(
        "worker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n client_body_temp_path {root}/body;\n proxy_temp_path {root}/proxy;\n\
         fastcgi_temp_path {root}/fastcgi;\n uwsgi_temp_path {root}/uwsgi;\n scgi_temp_path {root}/scgi;\n\
         {servers}}}\n"
    );
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config).expect("write nginx.conf");
    let child = Command::new(binary())
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start nginx");
    let nginx = Nginx {
        master: child,
        _dir: dir,
        ports,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    for port in &nginx.ports {
        while TcpStream::connect(("127.0.0.1", *port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(nginx._dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    nginx
}
