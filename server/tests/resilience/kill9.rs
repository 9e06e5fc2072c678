//! SIGKILL at random moments (while it opens the database, under load) while clients send
//! requests and configuration is written both through the UI's server functions and by
//! `api-switch import` (itself killed now and then): after every kill the database passes
//! `PRAGMA integrity_check`, holds every change whose write reported success, and holds no
//! half-written import.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::process::{TinyUpstream, binary, free_port, serve, spawn};

const KILLS: usize = 20;

/// What the configuration writer has been told succeeded.
#[derive(Default)]
struct Committed {
    /// Access keys (name to key) whose creation returned success, by either path.
    keys: BTreeMap<String, String>,
    /// The number of the last import that exited 0.
    last_import: u64,
    imports: u64,
    imports_killed: u64,
    key_writes: u64,
}

/// A small xorshift generator: random kill moments without a dependency.
struct Random(u64);
impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs `api-switch import` of configuration `n`: one channel `gen-n` with two entries and
/// the access keys `keys`. With `kill_after`, the import is SIGKILLed after that long unless it
/// finished. True when it exited with success.
fn import(
    data: &Path,
    n: u64,
    keys: &BTreeMap<String, String>,
    upstream: &str,
    kill_after: Option<Duration>,
) -> bool {
    let file = data.with_file_name(format!("import-{n}.json"));
    let config = json!({
        "version": 1,
        "settings": {},
        "access_keys": keys.iter().map(|(name, key)| json!({"name": name, "key": key})).collect::<Vec<_>>(),
        "channels": [{
            "name": format!("gen-{n}"), "api_type": "openai", "base_url": upstream,
            "api_key": "sk-upstream", "enabled": true,
            "entries": [
                {"model": "gpt-4o", "group": "auto", "priority": 0, "enabled": true},
                {"model": "gpt-4o-mini", "group": "auto", "priority": 1, "enabled": true}
            ]
        }]
    });
    std::fs::write(&file, config.to_string()).expect("write the import file");
    let mut child = Command::new(binary())
        // The whole configuration each time (issue 25: an import merges unless told so).
        .args(["import", "--replace"])
        .arg(&file)
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run import");
    if let Some(after) = kill_after {
        std::thread::sleep(after);
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        let _ = child.kill();
        let _ = child.wait();
        return false;
    }
    child.wait().is_ok_and(|status| status.success())
}

/// Creates an access key through the UI's server function; the answer carries the generated
/// secret (shown once), which the database must hold from then on.
fn create_key(client: &reqwest::blocking::Client, port: u16, name: &str) -> Option<String> {
    let origin = format!("http://127.0.0.1:{port}");
    let response = client
        .post(format!(
            "{origin}{}",
            app::screens::access_keys::CreateAccessKey::PATH
        ))
        .header("origin", &origin)
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .form(&[("name", name)])
        .timeout(Duration::from_secs(5))
        .send()
        .ok()
        .filter(|r| r.status().is_success())?;
    let created: serde_json::Value = response.json().ok()?;
    created["key"].as_str().map(str::to_owned)
}

/// Alternates imports and access-key creations until `stop`, recording what succeeded.
fn write_configuration(
    data: &Path,
    port: u16,
    upstream: &str,
    committed: &Mutex<Committed>,
    stop: &AtomicBool,
) {
    let client = reqwest::blocking::Client::new();
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let keys = committed.lock().expect("lock").keys.clone();
        if n.is_multiple_of(3) {
            // Every other import is itself SIGKILLed at a random moment.
            let kill_after = n
                .is_multiple_of(6)
                .then(|| Duration::from_millis(random.below(60)));
            if import(data, n, &keys, upstream, kill_after) {
                let mut c = committed.lock().expect("lock");
                c.last_import = n;
                c.imports += 1;
            } else if kill_after.is_some() {
                committed.lock().expect("lock").imports_killed += 1;
            }
        } else {
            let name = format!("key-{n}");
            if let Some(key) = create_key(&client, port, &name) {
                let mut c = committed.lock().expect("lock");
                c.keys.insert(name, key);
                c.key_writes += 1;
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Clients sending requests as fast as they can; counts the answers that were 200.
fn send_load(port: u16, ok: &AtomicUsize, sent: &AtomicUsize, stop: &AtomicBool) {
    let client = reqwest::blocking::Client::new();
    let body = json!({"model": "auto", "messages": [{"role": "user", "content": "hi"}]});
    while !stop.load(Ordering::SeqCst) {
        sent.fetch_add(1, Ordering::SeqCst);
        let answer = client
            .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
            .json(&body)
            .timeout(Duration::from_secs(5))
            .send();
        match answer {
            Ok(r) if r.status().is_success() => {
                ok.fetch_add(1, Ordering::SeqCst);
            }
            _ => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Checks the file with a connection of its own: intact, and holding every committed change.
fn check_database(db: &Path, committed: &Mutex<Committed>, kill: usize) {
    // What was committed is read before the database, so anything in it must be on disk.
    let (keys, last_import) = {
        let c = committed.lock().expect("lock");
        (c.keys.clone(), c.last_import)
    };
    let conn = rusqlite::Connection::open(db).expect("open the database");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok", "after kill {kill}");
    let stored: BTreeMap<String, String> = conn
        .prepare("SELECT name, key FROM access_keys")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("keys");
    for (name, key) in &keys {
        assert_eq!(
            stored.get(name),
            Some(key),
            "after kill {kill}: the committed access key {name} is missing"
        );
    }
    // Whole configurations only: one imported channel with both its entries.
    let (channels, entries): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM channels), (SELECT COUNT(*) FROM entries)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("counts");
    assert_eq!(
        (channels, entries),
        (1, 2),
        "after kill {kill}: a half-written import"
    );
    if last_import > 0 {
        let generation: u64 = conn
            .query_row(
                "SELECT name FROM channels ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get::<_, String>(0),
            )
            .expect("the imported channel")
            .trim_start_matches("gen-")
            .parse()
            .expect("a generation");
        assert!(
            generation >= last_import,
            "after kill {kill}: import {last_import} returned success but the file holds import {generation}"
        );
    }
}

#[test]
fn sigkill_at_random_moments_never_damages_the_database_or_loses_a_committed_change() {
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let db = data.join("api-switch.db");
    let port = free_port();
    let upstream = TinyUpstream::start();
    // A first configuration, so the load is routed from the start.
    std::fs::create_dir_all(&data).expect("data dir");
    assert!(import(&data, 0, &BTreeMap::new(), &upstream.base_url, None));

    let committed = Arc::new(Mutex::new(Committed::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, sent) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut threads = Vec::new();
    {
        let (data, base, committed, stop) = (
            data.clone(),
            upstream.base_url.clone(),
            committed.clone(),
            stop.clone(),
        );
        threads.push(std::thread::spawn(move || {
            write_configuration(&data, port, &base, &committed, &stop)
        }));
    }
    for _ in 0..4 {
        let (ok, sent, stop) = (ok.clone(), sent.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            send_load(port, &ok, &sent, &stop)
        }));
    }

    let started = Instant::now();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    eprintln!("kill loop seed {seed}");
    let mut random = Random(seed);
    for kill in 1..=KILLS {
        // Odd kills may land while it is still opening the database; even ones under load.
        let mut server = if kill % 2 == 1 {
            spawn(&data, port)
        } else {
            serve(&data, port)
        };
        std::thread::sleep(Duration::from_millis(random.below(600)));
        server.stop();
        check_database(&db, &committed, kill);
    }
    stop.store(true, Ordering::SeqCst);
    for thread in threads {
        thread.join().expect("thread");
    }
    check_database(&db, &committed, KILLS);
    let c = committed.lock().expect("lock");
    eprintln!(
        "kill loop: {KILLS} SIGKILLs in {:.1} s; {} of {} requests answered 200 ({} reached the upstream); {} imports ({} more killed mid-way) and {} access keys committed, all present",
        started.elapsed().as_secs_f64(),
        ok.load(Ordering::SeqCst),
        sent.load(Ordering::SeqCst),
        upstream.requests.load(Ordering::SeqCst),
        c.imports,
        c.imports_killed,
        c.key_writes,
    );
    assert!(
        c.key_writes >= KILLS as u64,
        "server-function writes happened under the kills"
    );
    assert!(c.imports >= 3, "imports happened under the kills");
    assert!(c.imports_killed >= 1, "some imports were killed themselves");
    assert!(
        ok.load(Ordering::SeqCst) > 0,
        "requests were served under the kills"
    );
    let moved: Vec<_> = std::fs::read_dir(&data)
        .expect("read dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
        .collect();
    assert!(moved.is_empty(), "no start found the database damaged");
}
