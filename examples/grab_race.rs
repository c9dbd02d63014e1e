//! The GrabChat race of `benches/bench.sh`: one client per session token, all at once, each
//! calling GrabChat over a kept-alive connection until its departments' queues are empty. Prints
//! one JSON line: assignments, seconds, assignments per second, other answers, and any chat that
//! two clients were given (there must be none). Std only, so it costs nothing to build.
//!
//! `grab_race 127.0.0.1:18400 tokens.txt` (one session token per line; one client per line)

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

struct Outcome {
    chats: Vec<i64>,
    statuses: HashMap<u16, u64>,
    /// When this client's last assignment came, from the common start.
    last_assignment: Duration,
}

/// One request on the kept-alive connection: (status, body).
fn call(
    stream: &mut BufReader<TcpStream>,
    host: &str,
    path: &str,
) -> std::io::Result<(u16, String)> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n");
    stream.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    stream.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn race(host: String, token: String, start: Arc<Barrier>, t0: Arc<Instant>) -> Outcome {
    let mut out = Outcome {
        chats: Vec::new(),
        statuses: HashMap::new(),
        last_assignment: Duration::ZERO,
    };
    let path = format!("/api/GrabChat?Version=1&SessionToken={token}");
    let mut stream = match TcpStream::connect(&host) {
        Ok(s) => BufReader::new(s),
        Err(_) => {
            start.wait();
            *out.statuses.entry(0).or_default() += 1;
            return out;
        }
    };
    start.wait();
    let mut failures = 0;
    loop {
        match call(&mut stream, &host, &path) {
            Ok((200, body)) => {
                *out.statuses.entry(200).or_default() += 1;
                let id = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["ChatID"].as_i64())
                    .unwrap_or(-1);
                out.chats.push(id);
                out.last_assignment = t0.elapsed();
            }
            // NoChatWaiting: this client's departments are empty; the race is over for it.
            Ok((404, _)) => {
                *out.statuses.entry(404).or_default() += 1;
                break;
            }
            Ok((status, _)) => {
                *out.statuses.entry(status).or_default() += 1;
                failures += 1;
                // AgentAtCapacity or a conflict that will not clear: stop after a few.
                if failures >= 20 {
                    break;
                }
            }
            Err(_) => {
                *out.statuses.entry(0).or_default() += 1;
                match TcpStream::connect(&host) {
                    Ok(s) => stream = BufReader::new(s),
                    Err(_) => break,
                }
                failures += 1;
                if failures >= 20 {
                    break;
                }
            }
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "127.0.0.1:18400".to_owned());
    let tokens_file = args.next().expect("usage: grab_race HOST:PORT TOKENS_FILE");
    let tokens: Vec<String> = std::fs::read_to_string(&tokens_file)
        .expect("tokens file")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let start = Arc::new(Barrier::new(tokens.len() + 1));
    let t0 = Arc::new(Instant::now());
    let mut handles = Vec::new();
    for token in tokens {
        let (host, start) = (host.clone(), start.clone());
        let t0_slot = t0.clone();
        handles.push(std::thread::spawn(move || {
            race(host, token, start, t0_slot)
        }));
    }
    start.wait();
    let began = t0.elapsed();
    let outcomes: Vec<Outcome> = handles
        .into_iter()
        .map(|h| h.join().expect("client"))
        .collect();
    let last = outcomes
        .iter()
        .map(|o| o.last_assignment)
        .max()
        .unwrap_or(began);
    let seconds = (last.saturating_sub(began)).as_secs_f64().max(1e-6);
    let mut seen: HashMap<i64, u32> = HashMap::new();
    let mut statuses: HashMap<u16, u64> = HashMap::new();
    for o in &outcomes {
        for c in &o.chats {
            *seen.entry(*c).or_default() += 1;
        }
        for (s, n) in &o.statuses {
            *statuses.entry(*s).or_default() += n;
        }
    }
    let assignments: u64 = outcomes.iter().map(|o| o.chats.len() as u64).sum();
    let doubles = seen.values().filter(|n| **n > 1).count();
    let errors: u64 = statuses
        .iter()
        .filter(|(s, _)| **s != 200 && **s != 404)
        .map(|(_, n)| n)
        .sum();
    println!(
        "{}",
        serde_json::json!({
            "Clients": outcomes.len(),
            "Assignments": assignments,
            "Seconds": (seconds * 1000.0).round() / 1000.0,
            "PerSecond": (assignments as f64 / seconds).round(),
            "DoublesSeenByClients": doubles,
            "Errors": errors,
            "Statuses": statuses.iter().map(|(s, n)| (s.to_string(), *n)).collect::<HashMap<_, _>>(),
        })
    );
}
