//! Answers of the chat reads (GetChatList, GetChat, GetChatMessages) kept while the database is
//! unchanged. Every agent's screen asks these again and again, and most asks find nothing
//! committed since the last: each answer is kept with the [`CommitMark`] read before it was
//! computed, and given again, as it was serialised, to a request for the same thing by the same
//! caller that reads the same mark. Any commit anywhere (any instance, any table) changes the
//! mark, so a kept answer is never older than the database; nothing needs to announce a change.
//! Reading the mark costs one statement on PostgreSQL and a `PRAGMA` on SQLite, against the
//! four to ten statements of an answer (docs/performance.md, "Seventh pass").

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use serde::Serialize;

use super::chats::ChatListQuery;
use super::Ctx;
use crate::db::commit_mark::CommitMark;
use crate::db::DbConnection;
use crate::domain::Caller;
use crate::error::{ApiError, ApiResult};

/// The JSON answer to `question` from `caller`: the one kept, when nothing was committed since it
/// was computed; otherwise `compute`'s, serialised, and kept if `lasts` says it stays true for as
/// long as nothing is committed (GetChat's "typing" does not: it ends with time).
pub fn answer<T: Serialize>(
    ctx: &Ctx,
    caller: &Caller,
    question: Question,
    compute: impl FnOnce(&mut DbConnection) -> ApiResult<T>,
    lasts: impl FnOnce(&T) -> bool,
) -> ApiResult<Bytes> {
    ctx.with_conn(|c| {
        // The mark is read before anything the answer reads: an answer is never older than it.
        let mark = match ctx.unchanged.keeps_any() {
            true => ctx.commits.read(c)?,
            false => None,
        };
        let keep = match mark {
            Some(mark) => Some((AnswerKey::new(ctx, c, caller, question)?, mark)),
            None => None,
        };
        if let Some(kept) = keep.as_ref().and_then(|(k, m)| ctx.unchanged.get(k, m)) {
            ctx.unchanged.answered(Outcome::Kept);
            return Ok(kept);
        }
        let value = compute(c)?;
        ctx.unchanged.answered(Outcome::Computed);
        let body = Bytes::from(serde_json::to_vec(&value).map_err(ApiError::internal)?);
        if let Some((key, mark)) = keep.filter(|_| lasts(&value)) {
            ctx.unchanged.put(key, mark, body.clone());
        }
        Ok(body)
    })
}

/// What was asked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Question {
    ChatList(ChatListQuery),
    Chat(i64),
    ChatMessages {
        chat_id: i64,
        after: Option<i64>,
        page: i64,
        page_size: i64,
    },
}

/// Who asked, as far as it shapes an answer: the agent, whether a manager (who sees every chat
/// and more of a failed delivery), and an agent's departments as the request used them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    agent_id: i64,
    manager: bool,
    departments: Option<Arc<Vec<i64>>>,
    question: Question,
}

impl AnswerKey {
    /// The key of `question` from `caller`, with the departments the answer's own reads will
    /// use (`Ctx::departments_of`).
    pub fn new(
        ctx: &Ctx,
        c: &mut DbConnection,
        caller: &Caller,
        question: Question,
    ) -> ApiResult<Self> {
        let manager = caller.is_manager();
        Ok(Self {
            agent_id: caller.agent_id,
            manager,
            departments: match manager {
                true => None,
                false => Some(ctx.departments_of(c, caller.agent_id)?),
            },
            question,
        })
    }

    /// Roughly what an entry holds besides its answer.
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.departments.as_ref().map_or(0, |d| d.len() * 8) + 64
    }
}

/// The kept answers, at most [`UnchangedAnswers::new`]'s bytes of them.
pub struct UnchangedAnswers {
    max_bytes: usize,
    kept: Mutex<Kept>,
    /// Answers given from here and computed, for `GET /metrics`.
    pub outcomes: prometheus::IntCounterVec,
}

/// How a chat read was answered.
#[derive(Clone, Copy)]
enum Outcome {
    /// With an answer kept since nothing was committed.
    Kept,
    /// By reading the database.
    Computed,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Kept => "kept",
            Outcome::Computed => "computed",
        }
    }
}

#[derive(Default)]
struct Kept {
    answers: HashMap<AnswerKey, (CommitMark, Bytes)>,
    bytes: usize,
}

impl UnchangedAnswers {
    /// Keeps up to `max_bytes` of answers; 0 keeps none.
    pub fn new(max_bytes: usize) -> Self {
        let outcomes = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "agentdesk_chat_answers_total",
                "GetChatList, GetChat and GetChatMessages answers: kept (nothing committed since \
                 the same question) or computed",
            ),
            &["outcome"],
        )
        .expect("constant counter options are valid");
        // Both series from the start, so a scrape shows them at 0 rather than not at all.
        for outcome in [Outcome::Kept, Outcome::Computed] {
            outcomes.with_label_values(&[outcome.label()]);
        }
        Self {
            max_bytes,
            kept: Mutex::new(Kept::default()),
            outcomes,
        }
    }

    fn answered(&self, outcome: Outcome) {
        self.outcomes.with_label_values(&[outcome.label()]).inc();
    }

    /// Whether answers are kept at all (`UNCHANGED_ANSWERS_MB` is not 0).
    pub fn keeps_any(&self) -> bool {
        self.max_bytes > 0
    }

    /// The answer to `key` computed at `mark`, if one is kept.
    pub fn get(&self, key: &AnswerKey, mark: &CommitMark) -> Option<Bytes> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        match kept.answers.get(key) {
            Some((at, body)) if at == mark => Some(body.clone()),
            _ => None,
        }
    }

    /// Keeps `body`, computed after `mark` was read, in place of any older answer to `key`.
    /// When full, answers computed at other marks go first (no request gets them again once
    /// the mark has moved on); if that is not enough, all go.
    pub fn put(&self, key: AnswerKey, mark: CommitMark, body: Bytes) {
        let key_size = key.size();
        let size = key_size + body.len();
        if size > self.max_bytes {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.bytes + size > self.max_bytes {
            kept.answers.retain(|_, (at, _)| *at == mark);
            kept.bytes = kept
                .answers
                .iter()
                .map(|(k, (_, body))| k.size() + body.len())
                .sum();
            if kept.bytes + size > self.max_bytes {
                kept.answers.clear();
                kept.bytes = 0;
            }
        }
        if let Some((_, old)) = kept.answers.insert(key, (mark, body)) {
            kept.bytes -= key_size + old.len();
        }
        kept.bytes += size;
    }
}
