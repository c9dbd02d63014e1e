//! GetChatList's queries: a page of chats in the list's order (by offset or after a keyset
//! position), the number matching (`Cursor.Total`), and the queue positions of a page's waiting
//! chats. Every order has an index that yields it (migration `chat_list_search`); the plans and
//! their timings are in docs/performance.md, "GetChatList and Term".

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::BigInt;

use super::chat_counts::{self, Departments};
use super::chats::{listed, ChatListRow, ChatRow};
use crate::db::pool::MultiBackend;
use crate::db::schema::chats;
use crate::db::sql::{condition, id_list, push_bound_ids, Condition};
use crate::db::text_search::{self, Drive};
use crate::db::{dialect, DbConnection};
use crate::domain::chat::ChatState;
use crate::domain::chat_list::{ListPosition, SearchTerm};

const UNASSIGNED: i16 = ChatState::Unassigned as i16;

/// Filters of GetChatList.
#[derive(Default, Clone, Debug)]
pub struct ChatFilter {
    pub state: Option<ChatState>,
    /// Agents see chats of their departments and chats assigned to them; `None` = everything.
    pub visible_to: Option<(i64, Vec<i64>)>,
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub unread_only: bool,
    /// Part of the customer's name or number, or of any message of the chat.
    pub term: Option<SearchTerm>,
}

// Each of these names every field, so that a filter added later must be decided on here: a
// total or a page that ignored it would be wrong without failing.
impl ChatFilter {
    /// Narrows by department, state and who may see what, nothing else: the counters of
    /// `chat_counts` total it.
    fn is_department_and_state(&self) -> bool {
        let Self {
            state: _,
            visible_to: _,
            department_id: _,
            agent_id,
            unread_only,
            term,
        } = self;
        agent_id.is_none() && !unread_only && term.is_none()
    }

    /// Every chat it keeps can be tested in one department's order index (department, state,
    /// unread): an agent's list can be read as a merge of department lists ([`merged_ids`]).
    fn splits_by_department(&self) -> bool {
        let Self {
            state: _,
            visible_to: _,
            department_id: _,
            agent_id,
            unread_only: _,
            term,
        } = self;
        agent_id.is_none() && term.is_none()
    }

    /// Whether chats of department `id` pass its `DepartmentID` filter.
    fn keeps_department(&self, id: i64) -> bool {
        self.department_id.is_none_or(|only| only == id)
    }

    /// Lists whole departments' queues in queue order (waiting chats, narrowed by department and
    /// visibility alone): a page then holds every waiting chat of its departments between its
    /// first and last one, and their queue positions follow from the page itself. An agent's
    /// own chats add nothing to it: a waiting chat has no agent (entering the queue clears it).
    pub fn lists_whole_queues(&self) -> bool {
        self.state == Some(ChatState::Unassigned) && self.is_department_and_state()
    }

    /// Narrows by nothing but `term` (and everyone's visibility).
    fn is_only_a_term(&self) -> bool {
        let Self {
            state,
            visible_to: _,
            department_id,
            agent_id,
            unread_only,
            term: _,
        } = self;
        state.is_none() && department_id.is_none() && agent_id.is_none() && !unread_only
    }
}

/// Where a page starts: after skipping rows (`Page`), or after a chat's position (`After`).
#[derive(Clone, Copy, Debug)]
pub enum PageStart {
    Offset(i64),
    After(ListPosition),
}

/// The order a list is read in, given by the state it lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    /// The queue as GrabChat takes it: queued chats by `queued_at`, then those still in the
    /// welcome menu (no department), by id.
    Queue,
    /// The most recently closed first.
    Closed,
    /// The latest message first.
    Recent,
}

impl Order {
    fn of(state: Option<ChatState>) -> Self {
        match state {
            Some(ChatState::Unassigned) => Self::Queue,
            Some(ChatState::Closed) => Self::Closed,
            _ => Self::Recent,
        }
    }

    /// The column an agent's list is merged on from per-department indexes (newest first), for
    /// the orders that have one. The queue isn't merged: it lists chats without a department
    /// last, which no per-department arm can place.
    fn merge_key(self) -> Option<&'static str> {
        match self {
            Self::Recent => Some("last_message_at"),
            Self::Closed => Some("closed_at"),
            Self::Queue => None,
        }
    }

    /// The position of `chat` in this order, to start the next page after it.
    fn position_of(self, chat: &ChatRow) -> ListPosition {
        let key = match self {
            Self::Queue => chat.department_id.and(chat.queued_at),
            Self::Closed => chat.closed_at,
            Self::Recent => Some(chat.last_message_at),
        };
        ListPosition { key, id: chat.id }
    }
}

/// The filters every query of the list shares (all but who may see what), on any query whose
/// FROM clause has `chats`. `agent_unread > 0` is written as a literal so that the planners of
/// both backends can use the partial index `chats_unread`, which a bound value would hide.
macro_rules! narrowed {
    ($query:expr, $filter:expr, $conn:expr, $drive:expr) => {{
        let f: &ChatFilter = $filter;
        let mut q = $query;
        if let Some(state) = f.state {
            if f.agent_id.is_some() {
                // One agent's chats are few: SQLite reads them through `chats_agent_state` and
                // sorts them, instead of walking the state's order index past everyone else's.
                q = q.filter(state_outside_index(state));
            } else {
                q = q.filter(chats::state.eq(state.id()));
            }
        }
        if let Some(d) = f.department_id {
            q = q.filter(chats::department_id.eq(d));
        }
        if let Some(a) = f.agent_id {
            q = q.filter(chats::agent_id.eq(a));
        }
        if f.unread_only {
            q = q.filter(Condition("chats.agent_unread > 0"));
        }
        if let Some(term) = &f.term {
            q = q.filter(text_search::chats_matching(&*$conn, term, $drive));
        }
        q
    }};
}

/// Above this many matching chats, a search's page is read by walking the list's order and
/// keeping the chats that match (about `total chats / matches` rows per row listed); below it,
/// from the matches, sorted. SQLite has no statistics to choose between the two by itself.
const WALK_ORDER_ABOVE: i64 = 1_000;

/// GetChatList: a page (see [`page`]) and the number of chats matching (see [`count`]).
pub fn list(
    conn: &mut DbConnection,
    f: &ChatFilter,
    start: PageStart,
    limit: i64,
) -> QueryResult<(Vec<ChatListRow>, Option<ListPosition>, i64)> {
    let total = count(conn, f)?;
    let drive = if total > WALK_ORDER_ABOVE {
        Drive::FromOrder
    } else {
        Drive::FromMatches
    };
    let (rows, next) = page(conn, f, start, limit, drive)?;
    Ok((rows, next, total))
}

/// `limit` chats from `start`, in the list's order, and the position after the last of them when
/// more follow. The page's ids are chosen on `chats` alone, then its rows are read with their
/// names: joining first made PostgreSQL join every match before sorting (a search's thousands).
fn page(
    conn: &mut DbConnection,
    f: &ChatFilter,
    start: PageStart,
    limit: i64,
    drive: Drive,
) -> QueryResult<(Vec<ChatListRow>, Option<ListPosition>)> {
    let order = Order::of(f.state);
    if let (PageStart::Offset(offset), Some((agent_id, department_ids))) = (start, &f.visible_to) {
        let merges = offset >= MERGE_FROM_OFFSET
            && department_ids.len() <= MERGE_MAX_DEPARTMENTS
            && f.splits_by_department();
        if let Some(key) = order.merge_key().filter(|_| merges) {
            let ids = merged_ids(conn, f, *agent_id, department_ids, key, offset, limit + 1)?;
            return page_of(conn, order, ids, limit);
        }
    }
    let mut q = narrowed!(chats::table.into_boxed(), f, conn, drive);
    if let Some((agent_id, department_ids)) = &f.visible_to {
        q = q.filter(visible_to(*agent_id, department_ids));
    }
    let q = match order {
        Order::Queue => q.order((
            chats::department_id.is_null().asc(),
            chats::queued_at.asc(),
            chats::id.asc(),
        )),
        Order::Closed => q.order((chats::closed_at.desc(), chats::id.desc())),
        Order::Recent => q.order((chats::last_message_at.desc(), chats::id.desc())),
    };
    let q = match start {
        PageStart::Offset(offset) => q.offset(offset),
        PageStart::After(after) => match (order, after.key) {
            (Order::Queue, Some(at)) => q.filter(
                chats::department_id
                    .is_not_null()
                    .and(chats::queued_at.ge(at))
                    .and(chats::queued_at.gt(at).or(chats::id.gt(after.id)))
                    .or(chats::department_id.is_null()),
            ),
            (Order::Queue, None) => {
                q.filter(chats::department_id.is_null().and(chats::id.gt(after.id)))
            }
            (Order::Closed, Some(at)) => q.filter(
                chats::closed_at
                    .le(at)
                    .and(chats::closed_at.lt(at).or(chats::id.lt(after.id))),
            ),
            (Order::Recent, Some(at)) => q.filter(
                chats::last_message_at
                    .le(at)
                    .and(chats::last_message_at.lt(at).or(chats::id.lt(after.id))),
            ),
            // A position without a time never comes from these lists: nothing follows it.
            (Order::Closed | Order::Recent, None) => q.filter(Condition("1 = 0")),
        },
    };
    // One row more than asked tells whether another page follows.
    let ids: Vec<i64> = q.select(chats::id).limit(limit + 1).load(conn)?;
    page_of(conn, order, ids, limit)
}

/// The page of the first `limit` of `ids` (up to one more, which tells that another page
/// follows), with the position to start the next page at.
fn page_of(
    conn: &mut DbConnection,
    order: Order,
    mut ids: Vec<i64>,
    limit: i64,
) -> QueryResult<(Vec<ChatListRow>, Option<ListPosition>)> {
    let more = ids.len() as i64 > limit;
    ids.truncate(limit as usize);
    let rows = listed(conn, &ids)?;
    let next = rows
        .last()
        .filter(|_| more)
        .map(|r| order.position_of(&r.chat));
    Ok((rows, next))
}

/// From this offset on, an agent's page is read as a merge of department lists ([`merged_ids`]).
/// Before it, walking the desk's order index past other departments' chats costs less than
/// reading and sorting the agent's own chats outside their departments, which the merge does.
const MERGE_FROM_OFFSET: i64 = 100;

/// Agents of more departments than this keep the order walk: each department is an arm (SQLite
/// refuses a compound of over 500; PostgreSQL sorts `arms × (offset + limit)` rows), and an
/// agent of most departments sees most of the desk, where the walk skips little anyway.
const MERGE_MAX_DEPARTMENTS: usize = 32;

/// An agent's page by offset, read as the merge of one list per department of theirs and one of
/// their own chats elsewhere, each from an index in the list's order (migration
/// `department_list_order`): about `offset + limit` index entries are read (see
/// [`dialect::newest_first_of_arms`]), where walking the whole desk's order stepped over every
/// other department's chats too. The arms don't overlap: each department's own, and the agent's
/// outside them. Every value in the SQL is an integer (ids, states, the page), never text.
fn merged_ids(
    conn: &mut DbConnection,
    f: &ChatFilter,
    agent_id: i64,
    department_ids: &[i64],
    key: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    // The filters every arm shares; the agent's arm writes them with `+` so that only its
    // agent index is used (an agent's chats are few; sorting them is cheap).
    let shared = |prefix: &str| {
        let mut conditions = Vec::new();
        if let Some(state) = f.state {
            conditions.push(format!("{prefix}state = {}", state.id()));
        }
        if f.unread_only {
            conditions.push(format!("{prefix}agent_unread > 0"));
        }
        conditions
    };
    let arm = |mut conditions: Vec<String>, prefix: &str| {
        conditions.extend(shared(prefix));
        format!(
            "SELECT id, {key} AS k FROM chats WHERE {}",
            conditions.join(" AND ")
        )
    };
    let mut arms: Vec<String> = department_ids
        .iter()
        .filter(|d| f.keeps_department(**d))
        .map(|d| arm(vec![format!("department_id = {d}")], ""))
        .collect();
    let mut own = vec![format!("agent_id = {agent_id}")];
    if !department_ids.is_empty() {
        let mine = id_list(department_ids);
        own.push(format!(
            "(+department_id NOT IN ({mine}) OR +department_id IS NULL)"
        ));
    }
    if let Some(only) = f.department_id {
        own.push(format!("+department_id = {only}"));
    }
    arms.push(arm(own, "+"));
    diesel::sql_query(dialect::newest_first_of_arms(conn, &arms, offset, limit))
        .load::<Id>(conn)
        .map(|rows| rows.into_iter().map(|r| r.id).collect())
}

/// An agent's chats: those of their departments and their own. Written with `+` on the columns
/// so that no planner reads the page through the department or agent index (an `OR` of both,
/// then a sort of every chat the agent may see): the list's order index is walked instead, and
/// the agent's chats are a good share of every order's rows. The ids are bound, one parameter
/// each, so the statement stays prepared (one text per number of departments).
struct VisibleTo<'a> {
    agent_id: i64,
    department_ids: &'a [i64],
}

impl QueryFragment<MultiBackend> for VisibleTo<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        if self.department_ids.is_empty() {
            out.push_sql("+chats.agent_id = ");
            return out.push_bind_param::<BigInt, _>(&self.agent_id);
        }
        out.push_sql("(+chats.department_id IN (");
        push_bound_ids(&mut out, self.department_ids)?;
        out.push_sql(") OR +chats.agent_id = ");
        out.push_bind_param::<BigInt, _>(&self.agent_id)?;
        out.push_sql(")");
        Ok(())
    }
}

condition!(VisibleTo<'_>);

fn visible_to(agent_id: i64, department_ids: &[i64]) -> VisibleTo<'_> {
    VisibleTo {
        agent_id,
        department_ids,
    }
}

/// `+chats.state = <id>` as fixed text: one agent's chats are read through
/// `chats_agent_state`, not the state's order index (see `narrowed!`).
fn state_outside_index(state: ChatState) -> Condition {
    Condition(match state {
        ChatState::Unassigned => "+chats.state = 1",
        ChatState::Open => "+chats.state = 2",
        ChatState::Closed => "+chats.state = 3",
    })
}

/// How many chats match (`Cursor.Total`). Filters of department and state alone (most lists,
/// and the part "of my departments" of an agent's) are sums of the counters in `chat_counts`;
/// the rest are counted on `chats` alone: the joins of the page change nothing (every chat has a
/// customer; the others are left joins). An agent's "my departments or mine" is the sum of two
/// counts that don't overlap, each of which an index or the counters serve, where the `OR` of the
/// two would make both backends read every chat.
fn count(conn: &mut DbConnection, f: &ChatFilter) -> QueryResult<i64> {
    let by_counters = f.is_department_and_state();
    let Some((agent_id, department_ids)) = &f.visible_to else {
        if let Some(term) = f.term.as_ref().filter(|_| f.is_only_a_term()) {
            // A manager's search: the index's count is the answer, with no chat read at all.
            return text_search::count_chats_matching(conn, term);
        }
        if by_counters {
            let departments = f.department_id.as_ref().map(std::slice::from_ref);
            return chat_counts::sum(
                conn,
                f.state,
                departments.map_or(Departments::All, Departments::Only),
            );
        }
        return narrowed!(chats::table.into_boxed(), f, conn, Drive::FromMatches)
            .count()
            .get_result(conn);
    };
    if f.term.is_some() {
        // The matches drive this count (each looked up by id): two counts would find them twice.
        return narrowed!(chats::table.into_boxed(), f, conn, Drive::FromMatches)
            .filter(visible_to(*agent_id, department_ids))
            .count()
            .get_result(conn);
    }
    let in_departments: i64 = if department_ids.is_empty() {
        0
    } else if by_counters {
        let mine: Vec<i64> = department_ids
            .iter()
            .copied()
            .filter(|d| f.keeps_department(*d))
            .collect();
        chat_counts::sum(conn, f.state, Departments::Only(&mine))?
    } else {
        narrowed!(chats::table.into_boxed(), f, conn, Drive::FromMatches)
            .filter(chats::department_id.eq_any(department_ids.clone()))
            .count()
            .get_result(conn)?
    };
    if f.state == Some(ChatState::Unassigned) {
        // A waiting chat has no agent (entering the queue clears it): none is "mine elsewhere".
        return Ok(in_departments);
    }
    let own_elsewhere: i64 = narrowed!(chats::table.into_boxed(), f, conn, Drive::FromMatches)
        .filter(chats::agent_id.eq(*agent_id))
        .filter(
            chats::department_id
                .ne_all(department_ids.clone())
                .or(chats::department_id.is_null()),
        )
        .count()
        .get_result(conn)?;
    Ok(in_departments + own_elsewhere)
}

/// Queue positions (1 + the waiting chats of the same department queued earlier) of the waiting
/// chats among `rows`, by chat id. Per department on the page: one count of the chats ahead of
/// its first chat here, and the ids from there to its last chat here, read in queue order from
/// `chats_queue`; a page of 20 costs two small queries per department instead of 20 counts.
/// When `whole_queues` (the rows are a page of [`ChatFilter::lists_whole_queues`]), the ids
/// between are the page's own: one count per department.
pub fn queue_positions<'a>(
    conn: &mut DbConnection,
    rows: impl IntoIterator<Item = &'a ChatRow>,
    whole_queues: bool,
) -> QueryResult<HashMap<i64, i64>> {
    // Per department: its waiting chats on the page, as (queued_at, id).
    let mut on_page: HashMap<i64, Vec<(NaiveDateTime, i64)>> = HashMap::new();
    for chat in rows {
        let (Some(department_id), Some(queued_at)) = (chat.department_id, chat.queued_at) else {
            continue;
        };
        if chat.state != UNASSIGNED {
            continue;
        }
        on_page
            .entry(department_id)
            .or_default()
            .push((queued_at, chat.id));
    }
    let mut positions = HashMap::new();
    for (department_id, mut here) in on_page {
        here.sort_unstable();
        let (Some(&(first_at, first_id)), Some(&(last_at, _))) = (here.first(), here.last()) else {
            continue;
        };
        let waiting = chats::table
            .filter(chats::state.eq(UNASSIGNED))
            .filter(chats::department_id.eq(department_id));
        let (ahead, ids): (i64, Vec<i64>) = if whole_queues {
            // Ahead is everything before (first_at, first_id) in queue order: chats queued at the
            // same instant with smaller ids (the end of the page before) are on no page here.
            let ahead = waiting
                .filter(chats::queued_at.le(first_at))
                .filter(chats::queued_at.lt(first_at).or(chats::id.lt(first_id)))
                .count()
                .get_result(conn)?;
            (ahead, here.into_iter().map(|(_, id)| id).collect())
        } else {
            // Ahead is what was queued before `first_at`; the ids from there on include the
            // chats queued at that same instant, in order.
            let ahead = waiting
                .filter(chats::queued_at.lt(first_at))
                .count()
                .get_result(conn)?;
            let ids = waiting
                .filter(chats::queued_at.ge(first_at))
                .filter(chats::queued_at.le(last_at))
                .order((chats::queued_at, chats::id))
                .select(chats::id)
                .load(conn)?;
            (ahead, ids)
        };
        positions.extend((ahead + 1..).zip(ids).map(|(position, id)| (id, position)));
    }
    Ok(positions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_is_written_with_its_own_id() {
        for state in [ChatState::Unassigned, ChatState::Open, ChatState::Closed] {
            let Condition(text) = state_outside_index(state);
            assert!(text.ends_with(&format!("= {}", state.id())), "{text}");
        }
    }

    #[test]
    fn an_agents_page_query_is_kept_prepared() {
        let page = chats::table
            .into_boxed()
            .filter(state_outside_index(ChatState::Open))
            .filter(Condition("chats.agent_unread > 0"))
            .filter(visible_to(7, &[1, 2]))
            .select(chats::id)
            .limit(21);
        for backend in [
            MultiBackend::Postgres(Default::default()),
            MultiBackend::Sqlite(Default::default()),
        ] {
            assert!(
                QueryFragment::<MultiBackend>::is_safe_to_cache_prepared(&page, &backend).unwrap()
            );
        }
    }
}
