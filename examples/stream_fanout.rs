//! The event stream's fan-out benchmark (issue 11): opens N streams (GetEvents) on a running
//! desk, then changes an agent's status `rounds` times; each change is an `agent.status` event that
//! every stream receives. For each round it measures, per stream, the time from the change's answer
//! (the commit) to the event's arrival, and prints one JSON line with p50/p99/max over all of them,
//! the events lost (must be 0) and the server's RSS before and after.
//!
//! `stream_fanout <base-url> <manager-token> <server-pid> [streams=1000] [rounds=30]`
//!
//! All streams use the one manager session: start the server with `EVENT_STREAMS_PER_SESSION`
//! at least `streams` (its default, 10, is what one person's browser tabs need).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!(
            "usage: stream_fanout <base-url> <manager-token> <server-pid> [streams] [rounds]"
        );
        std::process::exit(2);
    }
    let (base, token, pid) = (args[1].clone(), args[2].clone(), args[3].clone());
    let streams: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let rounds: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(30);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let rss_before = rss_kib(&pid);

    // Every stream records when each round's event reached it.
    let arrivals: Arc<Vec<Mutex<Vec<Instant>>>> =
        Arc::new((0..streams).map(|_| Mutex::new(Vec::new())).collect());
    let mut opened = 0;
    for i in 0..streams {
        let url = format!("{base}/api/GetEvents?Version=1.0&SessionToken={token}");
        let mut response = match client.get(&url).send().await {
            Ok(r) if r.status() == 200 => r,
            Ok(r) => panic!("stream {i}: status {}", r.status()),
            Err(e) => panic!("stream {i}: {e}"),
        };
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let frame: String = buffer.drain(..end + 2).collect();
                    if frame.contains("event: agent.status") {
                        arrivals[i].lock().await.push(Instant::now());
                    }
                }
            }
        });
        opened += 1;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_open = rss_kib(&pid);

    let mut sent = Vec::new();
    for round in 0..rounds {
        let status = if round % 2 == 0 { 2 } else { 4 };
        let reply = client
            .post(format!(
                "{base}/api/UpdateAgent?Version=1.0&SessionToken={token}"
            ))
            .json(&serde_json::json!({ "StatusID": status }))
            .send()
            .await
            .expect("UpdateAgent");
        assert_eq!(reply.status(), 200, "UpdateAgent");
        sent.push(Instant::now());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut latencies = Vec::new();
    let mut lost = 0;
    for stream in arrivals.iter() {
        let got = stream.lock().await;
        lost += sent.len().saturating_sub(got.len());
        for (at, arrived) in sent.iter().zip(got.iter()) {
            latencies.push(arrived.saturating_duration_since(*at).as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{}",
        serde_json::json!({
            "streams": opened,
            "rounds": rounds,
            "deliveries": latencies.len(),
            "lost": lost,
            "p50_ms": pick(0.50),
            "p99_ms": pick(0.99),
            "max_ms": latencies.last().copied().unwrap_or(f64::NAN),
            "rss_mib_before": rss_before / 1024,
            "rss_mib_streams_open": rss_open / 1024,
            "rss_mib_after": rss_kib(&pid) / 1024,
        })
    );
}

/// The server's resident set, in KiB, from /proc.
fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
