//! `TestApp`: the real application on port 0 with a fresh database (a SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set, dropped afterwards), and helpers that
//! arrange a desk through the API as a client would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agentdesk::config::Config;
use agentdesk::db::{DatabaseUrl, DbConnection};
use agentdesk::domain::{EmailAddress, Password};
use agentdesk::service::{agents, Ctx};
use agentdesk::Application;
use diesel::{Connection, RunQueryDsl};
use rand::Rng;
use reqwest::Method;
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct-horse-9";

pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:<port>` of `METRICS_BIND`'s listener, when the test set it.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub ctx: Arc<Ctx>,
    pub outbox: PathBuf,
    pub database_url: String,
    /// The configuration it was started with, for a second instance beside it.
    vars: HashMap<String, String>,
    _dir: tempfile::TempDir,
    _pg: Option<PgTestDatabase>,
}

/// A logged-on agent.
#[derive(Clone, Debug)]
pub struct Session {
    pub agent_id: i64,
    pub token: String,
    pub email: String,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The body of a 200, or a panic that shows what came instead.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(
            self.status, 200,
            "expected 200, got {}: {}",
            self.status, self.body
        );
        self.body
    }

    /// Asserts an error reply's status and code.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "expected {status} {code}, got {}: {}",
            self.status, self.body
        );
        assert_eq!(self.body["Error"]["Code"], code, "body: {}", self.body);
        assert!(
            self.body["Error"]["Message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{}",
            self.body
        );
        &self.body["Error"]["Fields"]
    }

    /// Asserts a 400 that names `field`.
    #[track_caller]
    pub fn expect_field_error(&self, field: &str) {
        let fields = self.expect_error(400, "ValidationFailed");
        assert!(
            fields.get(field).is_some(),
            "expected field {field} in {}",
            self.body
        );
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Starts the app with extra configuration variables.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        Self::spawn_reaching_database(overrides, |url| url.to_owned()).await
    }

    /// Starts the app with its PostgreSQL reached at another `host:port` (a proxy the test can
    /// cut); the test database is made and dropped directly.
    pub async fn spawn_through(proxy: &str, overrides: &[(&str, &str)]) -> Self {
        let target = postgres_host_port();
        Self::spawn_reaching_database(overrides, |url| url.replacen(&target, proxy, 1)).await
    }

    async fn spawn_reaching_database(
        overrides: &[(&str, &str)],
        reach: impl Fn(&str) -> String,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Some(PgTestDatabase::create(&url)),
            _ => None,
        };
        let database_url = match &pg {
            Some(db) => reach(&db.url),
            None => dir.path().join("agentdesk.db").display().to_string(),
        };
        let outbox = dir.path().join("outbox");
        let url_for_cli = database_url.clone();
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), database_url),
            ("AGENTDESK_BIND".into(), "127.0.0.1:0".into()),
            ("MAIL_OUTBOX_DIR".into(), outbox.display().to_string()),
            ("SESSION_TOUCH_SECONDS".into(), "0".into()),
            // The tests' channel servers listen on loopback, which a desk refuses by default.
            ("CHANNEL_ALLOWED_NETWORKS".into(), "127.0.0.0/8".into()),
        ]);
        for (k, v) in overrides {
            vars.insert(k.to_string(), v.to_string());
        }
        let (address, metrics_address, ctx) = start(&vars).await;
        Self {
            address,
            metrics_address,
            client: reqwest::Client::new(),
            ctx,
            outbox,
            database_url: url_for_cli,
            vars,
            _dir: dir,
            _pg: pg,
        }
    }

    /// A second instance of the desk on the same database (as behind a load balancer), with its
    /// own port, clock, caches and background work; `overrides` on top of this one's settings.
    pub async fn beside(&self, overrides: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let outbox = dir.path().join("outbox");
        let mut vars = self.vars.clone();
        vars.insert("MAIL_OUTBOX_DIR".into(), outbox.display().to_string());
        for (k, v) in overrides {
            vars.insert(k.to_string(), v.to_string());
        }
        let (address, metrics_address, ctx) = start(&vars).await;
        TestApp {
            address,
            metrics_address,
            client: reqwest::Client::new(),
            ctx,
            outbox,
            database_url: self.database_url.clone(),
            vars,
            _dir: dir,
            _pg: None,
        }
    }

    /// Runs the real binary's command `args` (e.g. `setup-code`) on this desk's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk"))
            .envs(&self.vars)
            .args(args)
            .output()
            .expect("agentdesk runs")
    }

    /// The real binary serving this desk's database on a free port, its log (stdout) piped to
    /// the caller: for what an operator reads at start.
    pub fn process_with_log(&self) -> (ServerProcess, std::process::ChildStdout) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk"))
            .envs(&self.vars)
            .env("AGENTDESK_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("agentdesk starts");
        let log = child.stdout.take().expect("piped stdout");
        let process = ServerProcess {
            address: format!("http://127.0.0.1:{port}"),
            child,
        };
        (process, log)
    }

    /// The real binary (`agentdesk serve`) as another process on this desk's database, with this
    /// one's configuration on its own port: what two instances behind a load balancer are.
    pub async fn process_beside(&self) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk"));
        command
            .envs(&self.vars)
            .env("AGENTDESK_BIND", format!("127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let process = ServerProcess {
            address: format!("http://127.0.0.1:{port}"),
            child: command.spawn().expect("agentdesk starts"),
        };
        for _ in 0..300 {
            let ready = self
                .client
                .get(format!("{}/ready", process.address))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return process;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the second process did not get ready");
    }

    /// Puts the desk's clock at `at` (RFC 3339); it runs on from there. Tests about hours, "today"
    /// and report periods set the moment they need instead of depending on when they run.
    pub fn set_clock(&self, at: &str) {
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("an RFC 3339 time");
        self.ctx.clock.set(at.with_timezone(&chrono::Utc));
    }

    /// Moves the desk's clock `by` ahead of where it reads now: windows pass and codes expire
    /// without waiting, and without reaching into the database.
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.ctx.clock.set(self.ctx.clock.now_utc() + by);
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}/api/{}", self.address, name)
    }

    /// One call to `/api/<name>` with `Version`, the token (as a query parameter) and a JSON body.
    pub async fn call(
        &self,
        method: Method,
        name: &str,
        token: Option<&str>,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut params: Vec<(&str, &str)> = vec![("Version", "1.0")];
        if let Some(t) = token {
            params.push(("SessionToken", t));
        }
        params.extend_from_slice(query);
        let mut request = self.client.request(method, self.url(name)).query(&params);
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request.send().await.expect("request sent")).await
    }

    pub async fn post(&self, name: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, name, Some(token), &[], Some(body))
            .await
    }

    pub async fn get(&self, name: &str, token: &str, query: &[(&str, &str)]) -> Reply {
        self.call(Method::GET, name, Some(token), query, None).await
    }

    pub async fn delete(&self, name: &str, token: &str, query: &[(&str, &str)]) -> Reply {
        self.call(Method::DELETE, name, Some(token), query, None)
            .await
    }

    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Reply {
        reply(request.send().await.expect("request sent")).await
    }

    /// Creates a manager straight through the service (as `agentdesk create-manager` does) and logs on.
    pub async fn manager(&self) -> Session {
        let n: u32 = rand::thread_rng().gen();
        let email = format!("manager{n}@example.com");
        let ctx = self.ctx.clone();
        let e = email.clone();
        tokio::task::spawn_blocking(move || {
            agents::create_manager(
                &ctx,
                "Mia Manager".into(),
                EmailAddress::parse(&e).unwrap(),
                Password::parse(PASSWORD).unwrap(),
            )
        })
        .await
        .unwrap()
        .expect("manager created");
        self.logon(&email, PASSWORD).await
    }

    /// AgentLogon, whatever it answers.
    pub async fn logon_reply(&self, email: &str, password: &str) -> Reply {
        self.call(
            Method::POST,
            "AgentLogon",
            None,
            &[],
            Some(json!({"EmailAddress": email, "Password": password})),
        )
        .await
    }

    pub async fn logon(&self, email: &str, password: &str) -> Session {
        let body = self.logon_reply(email, password).await.ok();
        Session {
            agent_id: body["Agent"]["AgentID"].as_i64().unwrap(),
            token: body["SessionToken"].as_str().unwrap().to_owned(),
            email: email.to_owned(),
        }
    }

    /// Creates an agent with role 1 in `departments` through the API and logs it on.
    pub async fn agent(&self, manager: &Session, departments: &[i64]) -> Session {
        let n: u32 = rand::thread_rng().gen();
        let email = format!("agent{n}@example.com");
        self.post(
            "CreateAgent",
            &manager.token,
            json!({"Name": format!("Agent {n}"), "EmailAddress": email, "RoleID": 1, "DepartmentID": departments, "Password": PASSWORD}),
        )
        .await
        .ok();
        self.logon(&email, PASSWORD).await
    }

    pub async fn department(&self, manager: &Session, name: &str) -> i64 {
        self.post("CreateDepartment", &manager.token, json!({"Name": name}))
            .await
            .ok()["DepartmentID"]
            .as_i64()
            .unwrap()
    }

    /// SetPassword with a reset code, whatever it answers.
    pub async fn set_password(&self, reset_code: &str, password: &str) -> Reply {
        self.call(
            Method::POST,
            "SetPassword",
            None,
            &[],
            Some(json!({"ResetCode": reset_code, "Password": password})),
        )
        .await
    }

    /// A tag group through the API; returns the TagGroupID.
    pub async fn tag_group(&self, manager: &Session, name: &str) -> i64 {
        self.post("CreateTagGroup", &manager.token, json!({"Name": name}))
            .await
            .ok()["TagGroupID"]
            .as_i64()
            .unwrap()
    }

    /// A tag in a group of its own (named after it), through the API; returns the TagID.
    pub async fn tag(&self, manager: &Session, name: &str) -> i64 {
        let group = self.tag_group(manager, &format!("{name} tags")).await;
        self.post(
            "CreateTag",
            &manager.token,
            json!({"TagGroupID": group, "Name": name}),
        )
        .await
        .ok()["TagID"]
            .as_i64()
            .unwrap()
    }

    /// Runs SQL against the app's database, for arranging states the API can't reach quickly
    /// (an expired session) and for checking what was stored.
    pub async fn sql(&self, query: &'static str) -> usize {
        self.sql_owned(query.to_owned()).await
    }

    /// [`Self::sql`] with a query put together at run time.
    pub async fn sql_owned(&self, query: String) -> usize {
        let ctx = self.ctx.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = ctx.pool.get().unwrap();
            diesel::sql_query(query)
                .execute(&mut **conn as &mut DbConnection)
                .unwrap()
        })
        .await
        .unwrap()
    }

    /// A query's `value` column as strings.
    pub async fn sql_strings(&self, query: &'static str) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let ctx = self.ctx.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = ctx.pool.get().unwrap();
            let rows: Vec<Row> = diesel::sql_query(query)
                .load(&mut **conn as &mut DbConnection)
                .unwrap();
            rows.into_iter().map(|r| r.value).collect()
        })
        .await
        .unwrap()
    }

    /// Runs SQL with one bound id (`$1`).
    pub async fn sql_with_id(&self, query: &'static str, id: i64) -> usize {
        let ctx = self.ctx.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = ctx.pool.get().unwrap();
            diesel::sql_query(query)
                .bind::<diesel::sql_types::BigInt, _>(id)
                .execute(&mut **conn as &mut DbConnection)
                .unwrap()
        })
        .await
        .unwrap()
    }

    /// Sets the measured seconds of a chat's facts of one kind (see `EventKind`).
    pub async fn sql_set_seconds(&self, kind: i16, chat_id: i64, seconds: i64) {
        let ctx = self.ctx.clone();
        let changed = tokio::task::spawn_blocking(move || {
            let mut conn = ctx.pool.get().unwrap();
            diesel::sql_query(
                "UPDATE chat_events SET seconds = $1 WHERE kind = $2 AND chat_id = $3",
            )
            .bind::<diesel::sql_types::BigInt, _>(seconds)
            .bind::<diesel::sql_types::SmallInt, _>(kind)
            .bind::<diesel::sql_types::BigInt, _>(chat_id)
            .execute(&mut **conn as &mut DbConnection)
            .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(changed, 1, "one fact of kind {kind} on chat {chat_id}");
    }

    /// The `.eml` files written so far, waiting up to a few seconds for at least `n`.
    pub async fn wait_for_mails(&self, n: usize) -> Vec<String> {
        for _ in 0..100 {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.mails()
    }

    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.outbox) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|x| x == "eml"))
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect()
    }
}

/// Builds and starts the application with `vars`; returns its address (and its metrics
/// listener's) once migrations ran.
async fn start(vars: &HashMap<String, String>) -> (String, Option<String>, Arc<Ctx>) {
    let config = Config::from_vars(vars).expect("test config");
    let app = Application::build(config)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let ctx = app.context();
    tokio::spawn(app.run_until_stopped());
    for _ in 0..200 {
        if ctx.is_schema_ready() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(ctx.is_schema_ready(), "migrations did not run");
    (address, metrics_address, ctx)
}

/// A server process started by [`TestApp::process_beside`], killed when dropped.
pub struct ServerProcess {
    pub address: String,
    child: std::process::Child,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        body,
        headers,
    }
}

/// A PostgreSQL database made for one test and dropped when it ends.
struct PgTestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgTestDatabase {
    fn create(admin_url: &str) -> Self {
        assert!(
            DatabaseUrl::parse(admin_url)
                .map(|u| u.is_postgres())
                .unwrap_or(false),
            "TEST_DATABASE_URL must be postgres://"
        );
        let name = format!("agentdesk_test_{}", rand::thread_rng().gen::<u64>());
        let mut conn =
            diesel::PgConnection::establish(admin_url).expect("TEST_DATABASE_URL reachable");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create test database");
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("TEST_DATABASE_URL names a database");
        let query = admin_url
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        Self {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}{query}"),
            name,
        }
    }
}

impl Drop for PgTestDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// The `host:port` of `TEST_DATABASE_URL`.
pub fn postgres_host_port() -> String {
    let url = std::env::var("TEST_DATABASE_URL").unwrap_or_default();
    let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_owned()
}

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.trim().is_empty())
}

/// The reset code in a password-reset mail.
pub fn reset_code(mail: &str) -> String {
    let at = mail.find("reset code is: ").expect("mail has the code") + "reset code is: ".len();
    mail[at..at + 32].to_owned()
}
