//! The live desk's load driver (issue 26): agents on event streams, customers writing at a fixed
//! rate through the channel API (open loop: a slow answer never slows the next message), and
//! AgentChat-style front-ends polling GetChatList at a fixed rate, all for `--secs` seconds. A
//! closed-loop list flood, if any, runs beside it (wrk, started by `benches/live.sh`).
//!
//! It prints one JSON line: customer messages sent and acknowledged, acknowledgement latency,
//! message-to-stream latency (the first stream a message reaches) and the messages no stream got,
//! the events streams carried per customer message, the pollers' latency, and the server's RSS.
//!
//! `live_load --base URL --seed SEED.json --pid PID [--agents 500] [--customers 400] [--rate 200]
//!  [--poll-rate 300] [--secs 30] [--tokens FILE]`
//!
//! The agents are the generated desk's (`agentdesk seed` prints their addresses and password);
//! their session tokens are written to `--tokens` (one per line, reused by the next run and by wrk).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Args {
    base: String,
    seed: String,
    pid: String,
    agents: usize,
    customers: usize,
    rate: f64,
    poll_rate: f64,
    secs: u64,
    tokens: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        base: String::new(),
        seed: String::new(),
        pid: String::new(),
        agents: 500,
        customers: 400,
        rate: 200.0,
        poll_rate: 300.0,
        secs: 30,
        tokens: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage(&flag));
        match flag.as_str() {
            "--base" => a.base = value,
            "--seed" => a.seed = value,
            "--pid" => a.pid = value,
            "--agents" => a.agents = value.parse().unwrap_or_else(|_| usage(&flag)),
            "--customers" => a.customers = value.parse().unwrap_or_else(|_| usage(&flag)),
            "--rate" => a.rate = value.parse().unwrap_or_else(|_| usage(&flag)),
            "--poll-rate" => a.poll_rate = value.parse().unwrap_or_else(|_| usage(&flag)),
            "--secs" => a.secs = value.parse().unwrap_or_else(|_| usage(&flag)),
            "--tokens" => a.tokens = Some(value),
            _ => usage(&flag),
        }
    }
    if a.base.is_empty() || a.seed.is_empty() {
        usage("--base and --seed are required");
    }
    a
}

fn usage(what: &str) -> ! {
    eprintln!("live_load: {what}\n(see the comment at the top of examples/live_load.rs)");
    std::process::exit(2)
}

/// What every task records, read once at the end.
#[derive(Default)]
struct Tally {
    /// When each customer message (by its marker) was sent, acknowledged, first seen on a stream.
    sent: Mutex<HashMap<u64, Instant>>,
    acked: Mutex<Vec<f64>>,
    ack_failures: AtomicU64,
    arrived: Mutex<HashMap<u64, Instant>>,
    /// Every `message.created` frame of a customer message, on every stream.
    message_frames: AtomicU64,
    /// Every frame of any kind, on every stream.
    frames: AtomicU64,
    polls: Mutex<Vec<f64>>,
    poll_failures: AtomicU64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let seed: Value = serde_json::from_str(&std::fs::read_to_string(&a.seed).expect("--seed"))
        .expect("the seed's JSON");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let tokens = agent_tokens(&client, &a, &seed).await;
    let tally = Arc::new(Tally::default());
    let rss_before = rss_kib(&a.pid);

    // Agents on their streams.
    let stream_client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut open = 0;
    for token in &tokens {
        let url = format!("{}/api/GetEvents?Version=1.0&SessionToken={token}", a.base);
        match stream_client.get(&url).send().await {
            Ok(r) if r.status() == 200 => {
                open += 1;
                tokio::spawn(read_stream(r, tally.clone()));
            }
            Ok(r) => eprintln!("live_load: a stream answered {}", r.status()),
            Err(e) => eprintln!("live_load: a stream failed: {e}"),
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_streams = rss_kib(&a.pid);
    let frames_before = tally.frames.load(Ordering::Relaxed);

    let until = Instant::now() + Duration::from_secs(a.secs);
    let customers = tokio::spawn(customers(
        client.clone(),
        a.clone_for_tasks(&seed),
        tally.clone(),
        until,
    ));
    let pollers = tokio::spawn(pollers(
        client.clone(),
        a.base.clone(),
        tokens.clone(),
        a.poll_rate,
        tally.clone(),
        until,
    ));
    let mut rss_peak = rss_streams;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        rss_peak = rss_peak.max(rss_kib(&a.pid));
    }
    let _ = customers.await;
    let _ = pollers.await;
    // Messages still on their way get a few seconds before they count as lost.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let sent = tally.sent.lock().unwrap();
    let arrived = tally.arrived.lock().unwrap();
    let mut to_stream: Vec<f64> = sent
        .iter()
        .filter_map(|(marker, at)| {
            arrived
                .get(marker)
                .map(|got| got.saturating_duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    let acked = tally.acked.lock().unwrap().clone();
    let lost = sent.len() - to_stream.len();
    let mut ack = acked.clone();
    let mut polls = tally.polls.lock().unwrap().clone();
    let frames = tally.frames.load(Ordering::Relaxed) - frames_before;
    println!(
        "{}",
        json!({
            "agents_on_streams": open,
            "secs": a.secs,
            "customer_messages_sent": sent.len(),
            "customer_messages_per_s": sent.len() as f64 / a.secs as f64,
            "ack_failures": tally.ack_failures.load(Ordering::Relaxed),
            "ack_ms": quantiles(&mut ack),
            "to_stream_ms": quantiles(&mut to_stream),
            "lost": lost,
            "message_frames_per_customer_message": tally.message_frames.load(Ordering::Relaxed) as f64 / sent.len().max(1) as f64,
            "frames_per_customer_message": frames as f64 / sent.len().max(1) as f64,
            "polls": polls.len(),
            "polls_per_s": polls.len() as f64 / a.secs as f64,
            "poll_failures": tally.poll_failures.load(Ordering::Relaxed),
            "poll_ms": quantiles(&mut polls),
            "rss_mib_before": rss_before / 1024,
            "rss_mib_streams_open": rss_streams / 1024,
            "rss_mib_peak": rss_peak / 1024,
        })
    );
    std::process::exit(0);
}

/// What the customer task needs, cloned out of the arguments and the seed's JSON.
struct CustomerPlan {
    base: String,
    api_key: String,
    account: String,
    customers: usize,
    rate: f64,
}

impl Args {
    fn clone_for_tasks(&self, seed: &Value) -> CustomerPlan {
        CustomerPlan {
            base: self.base.clone(),
            api_key: seed["Channel"]["ApiKey"]
                .as_str()
                .expect("Channel.ApiKey")
                .to_owned(),
            account: seed["Channel"]["ChatAccountToken"]
                .as_str()
                .expect("Channel.ChatAccountToken")
                .to_owned(),
            customers: self.customers.max(1),
            rate: self.rate,
        }
    }
}

/// Logs the desk's first `--agents` agents on (or reads their tokens from `--tokens`).
async fn agent_tokens(client: &reqwest::Client, a: &Args, seed: &Value) -> Vec<String> {
    if let Some(path) = &a.tokens {
        if let Ok(text) = std::fs::read_to_string(path) {
            let tokens: Vec<String> = text.lines().map(str::to_owned).collect();
            if tokens.len() >= a.agents {
                return tokens.into_iter().take(a.agents).collect();
            }
        }
    }
    let password = seed["Password"].as_str().expect("Password").to_owned();
    let emails: Vec<String> = seed["Agents"]
        .as_array()
        .expect("Agents")
        .iter()
        .take(a.agents)
        .map(|x| x["Email"].as_str().expect("Agents[].Email").to_owned())
        .collect();
    let mut tokens = Vec::new();
    // Two at a time: the server hashes passwords on as many threads as it has cores.
    for pair in emails.chunks(2) {
        let calls = pair.iter().map(|email| {
            client
                .post(format!("{}/api/AgentLogon?Version=1.0", a.base))
                .json(&json!({"EmailAddress": email, "Password": password}))
                .send()
        });
        for reply in futures_util::future::join_all(calls).await {
            let body: Value = reply
                .expect("AgentLogon")
                .json()
                .await
                .expect("AgentLogon's JSON");
            tokens.push(
                body["SessionToken"]
                    .as_str()
                    .expect("SessionToken")
                    .to_owned(),
            );
        }
    }
    if let Some(path) = &a.tokens {
        std::fs::write(path, tokens.join("\n") + "\n").expect("--tokens");
    }
    tokens
}

/// Customers write at `rate` messages a second, round-robin over `customers` chat sessions; each
/// message carries a marker the streams look for.
async fn customers(client: reqwest::Client, plan: CustomerPlan, tally: Arc<Tally>, until: Instant) {
    let run = Instant::now().elapsed().as_nanos() ^ std::process::id() as u128;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / plan.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let plan = Arc::new(plan);
    let mut n: u64 = 0;
    while Instant::now() < until {
        tick.tick().await;
        n += 1;
        let (client, plan, tally) = (client.clone(), plan.clone(), tally.clone());
        let session = n as usize % plan.customers;
        tokio::spawn(async move {
            let body = json!({
                "chatServer": "chat.example.com",
                "chatSessionID": format!("live-{run:x}-{session}"),
                "chatAccountToken": plan.account,
                "customerName": format!("Live Customer {session}"),
                "message": format!("Still waiting for my parcel (marker lm{n}x)"),
            });
            let started = Instant::now();
            tally.sent.lock().unwrap().insert(n, started);
            let reply = client
                .post(format!(
                    "{}/api/v2/chat/notifyUserNewChatMessage",
                    plan.base
                ))
                .header("apiKey", &plan.api_key)
                .json(&body)
                .send()
                .await;
            match reply {
                Ok(r) if r.status().is_success() => tally
                    .acked
                    .lock()
                    .unwrap()
                    .push(started.elapsed().as_secs_f64() * 1000.0),
                _ => {
                    tally.ack_failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
}

/// Front-ends poll GetChatList at `rate` a second, over the agents' tokens and the lists a desk
/// shows.
async fn pollers(
    client: reqwest::Client,
    base: String,
    tokens: Vec<String>,
    rate: f64,
    tally: Arc<Tally>,
    until: Instant,
) {
    if rate <= 0.0 || tokens.is_empty() {
        return;
    }
    const LISTS: [&str; 3] = [
        "ChatType=own",
        "ChatType=unassigned",
        "ChatType=own&Selector=unread",
    ];
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n = 0usize;
    while Instant::now() < until {
        tick.tick().await;
        n += 1;
        let url = format!(
            "{base}/api/GetChatList?Version=1.0&PageSize=20&{}&SessionToken={}",
            LISTS[n % LISTS.len()],
            tokens[n % tokens.len()]
        );
        let (client, tally) = (client.clone(), tally.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            match client.get(&url).send().await {
                Ok(r) if r.status().is_success() => {
                    let _ = r.bytes().await;
                    tally
                        .polls
                        .lock()
                        .unwrap()
                        .push(started.elapsed().as_secs_f64() * 1000.0);
                }
                _ => {
                    tally.poll_failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
}

/// Reads one agent's stream: counts frames, and notes when each customer message's marker first
/// arrives on any stream.
async fn read_stream(mut response: reqwest::Response, tally: Arc<Tally>) {
    let mut buffer = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.starts_with(':') {
                continue; // a keep-alive comment
            }
            tally.frames.fetch_add(1, Ordering::Relaxed);
            let Some(at) = frame.find("marker lm") else {
                continue;
            };
            if !frame.contains("event: message.created") {
                continue;
            }
            tally.message_frames.fetch_add(1, Ordering::Relaxed);
            let digits: String = frame[at + 9..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(marker) = digits.parse::<u64>() {
                tally
                    .arrived
                    .lock()
                    .unwrap()
                    .entry(marker)
                    .or_insert_with(Instant::now);
            }
        }
    }
}

fn quantiles(values: &mut [f64]) -> Value {
    values.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        values
            .get(((values.len() as f64 * q) as usize).min(values.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    json!({"p50": pick(0.50), "p99": pick(0.99), "max": values.last().copied().unwrap_or(f64::NAN)})
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
