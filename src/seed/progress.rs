//! The seed's progress on stderr, for the command line.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::Progress;

/// Bars on a terminal, plain lines (one per phase and every ~10 %) otherwise.
pub(super) struct TerminalProgress {
    terminal: bool,
    state: Mutex<State>,
}

struct State {
    bar: Option<ProgressBar>,
    name: String,
    total: u64,
    done: u64,
    next_line: u64,
    started: Instant,
}

impl TerminalProgress {
    pub(super) fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            state: Mutex::new(State {
                bar: None,
                name: String::new(),
                total: 0,
                done: 0,
                next_line: 0,
                started: Instant::now(),
            }),
        }
    }
}

impl Progress for TerminalProgress {
    fn phase(&self, name: &str, total: u64) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.name = name.to_owned();
        s.total = total;
        s.done = 0;
        s.next_line = total / 10;
        s.started = Instant::now();
        if self.terminal {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:40} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(name.to_owned());
            s.bar = Some(bar);
        } else {
            eprintln!("seed: {name} ({total})");
        }
    }

    fn inc(&self, n: u64) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.done += n;
        if let Some(bar) = &s.bar {
            bar.inc(n);
        } else if s.total >= 10 && s.done >= s.next_line && s.done < s.total {
            eprintln!(
                "seed: {} {}/{} ({:.0}/s)",
                s.name,
                s.done,
                s.total,
                s.done as f64 / s.started.elapsed().as_secs_f64().max(1e-9)
            );
            s.next_line = s.done + s.total / 10;
        }
    }

    fn finish(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bar) = s.bar.take() {
            bar.finish();
        } else {
            eprintln!(
                "seed: {} done in {:.1} s",
                s.name,
                s.started.elapsed().as_secs_f64()
            );
        }
    }
}
