//! `onevisit`: the one binary. `main` only parses the command line and wires the parts.

mod config;

use clap::{Args, Parser, Subcommand};
use config::{ConfigError, FileConfig, LogFormat};
use onevisit_api::app::{Application, ServeConfig};
use onevisit_domain::CalendarYear;
use onevisit_service::db::DatabaseConfig;
use onevisit_service::seed::{Quarter, SeedData};
use onevisit_service::store;
use std::path::PathBuf;
use std::process::ExitCode;

// A booking allocates a little for every row it reads; glibc's allocator spent a fifth of
// the service's time under booking load, mimalloc much less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// OneVisit: merges many agencies' inspection requests into joint visits.
#[derive(Debug, Parser)]
#[command(name = "onevisit", version, about, long_about = None)]
struct Cli {
    /// A TOML file with settings (listen, database_url, log_format); flags and environment win over it.
    #[arg(long, global = true, env = "ONEVISIT_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// How to write logs (to standard error).
    #[arg(long, global = true, env = "ONEVISIT_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// sqlite://FILE or postgres://USER@HOST:PORT/DB [default: sqlite://onevisit.db]
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Connections each server process keeps to the database [default: 4 per CPU core, 4 to 32]
    #[arg(long, env = "ONEVISIT_DATABASE_POOL_SIZE", value_name = "N")]
    database_pool_size: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (migrates the database first).
    Serve {
        /// Address and port to listen on [default: 127.0.0.1:8080]
        #[arg(long, env = "ONEVISIT_LISTEN", value_name = "ADDR:PORT")]
        listen: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Seed the demo data set first if the database is empty (demo accounts: not for real use).
        #[arg(long)]
        demo: bool,
        /// The token signing secret, at least 32 bytes (environment only, never a flag).
        #[arg(skip = std::env::var("ONEVISIT_JWT_SECRET").ok())]
        jwt_secret: Option<String>,
        /// Do not run the periodic jobs in this process (plans, deliveries, re-plans, reminders).
        #[arg(long, env = "ONEVISIT_NO_JOBS")]
        no_jobs: bool,
        /// Working days of notice before an announced visit [default: 3]
        #[arg(long, env = "ONEVISIT_NOTICE_DAYS", value_name = "DAYS")]
        notice_days: Option<u32>,
        /// When notifications are delivered, cron with seconds first [default: */5 * * * * *]
        #[arg(long, env = "ONEVISIT_DELIVERY_SCHEDULE", value_name = "CRON")]
        delivery_schedule: Option<String>,
        /// Seconds the nightly re-plan may spend improving the plan, 0 for none [default: 30]
        #[arg(long, env = "ONEVISIT_REPLAN_TIME_LIMIT", value_name = "SECONDS")]
        replan_time_limit: Option<u64>,
        /// The webhooks' signing secret, at least 16 bytes (environment only, never a flag).
        #[arg(skip = std::env::var("ONEVISIT_WEBHOOK_SECRET").ok())]
        webhook_secret: Option<String>,
        /// Mark the web pages' session cookies Secure: set it when the pages are served over TLS.
        #[arg(long, env = "ONEVISIT_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Where hazards' evidence files are stored [default: ./evidence]
        #[arg(long, env = "ONEVISIT_EVIDENCE_DIR", value_name = "DIR")]
        evidence_dir: Option<PathBuf>,
    },
    /// Bring the database schema up to date.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Load a data set into the database, in one transaction; seeding twice adds nothing.
    Seed {
        /// The demo data set: 6 agencies, 40 inspectors, 200 enterprises in Huai'an, a quarter of requests.
        #[arg(long, required_unless_present = "file", conflicts_with = "file")]
        demo: bool,
        /// A JSON data set (agencies, enterprises, inspectors, requests).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The demo's quarter, like 2026Q4 [default: the current quarter]
        #[arg(long, requires = "demo")]
        quarter: Option<Quarter>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Plan a problem file (shared/spec/plan-format.md) into joint visits; no database needed.
    Plan {
        /// The problem as JSON; `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Where to write the plan; `-` writes standard output.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Indent the plan for reading.
        #[arg(long)]
        pretty: bool,
        /// Keep improving the plan for up to this many seconds (from the start, reading
        /// included) and write the best plan found; without it the planner's bounded
        /// passes run once (deterministic).
        #[arg(long, value_name = "SECONDS", value_parser = seconds)]
        time_limit: Option<std::time::Duration>,
    },
    /// Print the OpenAPI document of the HTTP API (as committed in openapi/openapi.json).
    Openapi,
    /// The statutory holiday calendar (working days, holidays, make-up workdays).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Add or correct a year from a JSON file (see crates/domain/calendars/2026.json).
    Import {
        /// The year's calendar file.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print the holidays and make-up workdays of a year.
    Show {
        year: i32,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// How a command failed: bad input exits 2, a failure while running exits 1.
#[derive(Debug)]
enum Failure {
    Input(String),
    Runtime(String),
}

impl From<ConfigError> for Failure {
    fn from(err: ConfigError) -> Self {
        Self::Input(err.to_string())
    }
}

fn runtime(err: impl std::fmt::Display) -> Failure {
    Failure::Runtime(err.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Planning a file needs neither a runtime nor a database.
    if let Command::Plan {
        input,
        output,
        pretty,
        time_limit,
    } = &cli.command
    {
        let options = onevisit_scheduler::PlanOptions {
            time_limit: *time_limit,
        };
        return exit(plan_file(input, output, *pretty, &options));
    }
    let outcome = FileConfig::load(cli.config.as_deref())
        .map_err(Failure::from)
        .and_then(|file| {
            init_logging(cli.log_format.or(file.log_format).unwrap_or_default());
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(runtime)?;
            runtime.block_on(run(cli.command, &file))
        });
    exit(outcome)
}

fn exit(outcome: Result<(), Failure>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `onevisit plan`: reads a problem, plans it, writes the plan, and sums it up on stderr.
fn plan_file(
    input: &std::path::Path,
    output: &std::path::Path,
    pretty: bool,
    options: &onevisit_scheduler::PlanOptions,
) -> Result<(), Failure> {
    use std::io::{Read, Write};
    let started = std::time::Instant::now();
    let stdio = |p: &std::path::Path| p.as_os_str() == "-";
    let mut bytes = Vec::new();
    if stdio(input) {
        std::io::stdin().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(input).and_then(|mut f| f.read_to_end(&mut bytes))
    }
    .map_err(|e| Failure::Input(format!("--input {}: {e}", input.display())))?;
    // The limit counts from the start, reading included.
    let options = onevisit_scheduler::PlanOptions {
        time_limit: options
            .time_limit
            .map(|limit| limit.saturating_sub(started.elapsed())),
    };
    let planned = onevisit_scheduler::plan_json_output_with(&bytes, pretty, &options)
        .map_err(|e| Failure::Input(format!("--input {}: {e}", input.display())))?;
    drop(bytes);
    let written = if stdio(output) {
        let mut out = std::io::stdout().lock();
        out.write_all(planned.json.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
    } else {
        std::fs::write(output, format!("{}\n", planned.json))
    };
    written.map_err(|e| Failure::Runtime(format!("--output {}: {e}", output.display())))?;
    let s = planned.stats;
    eprintln!(
        "requests {}, scheduled {}, visits {}, lower bound {}, {:.3} s",
        s.requests,
        s.scheduled,
        s.visits,
        s.lower_bound,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `--time-limit`: a number of seconds, more than 0 and at most a day.
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(value > 0.0 && value <= 86_400.0) {
        return Err(format!(
            "{text} must be more than 0 and at most 86400 seconds"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(value))
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn open(
    file: &FileConfig,
    database: &DatabaseArgs,
) -> Result<(DatabaseConfig, sea_orm::DatabaseConnection), Failure> {
    let config = file.database(
        database.database_url.as_deref(),
        database.database_pool_size,
    )?;
    let db = onevisit_service::db::open(&config).await.map_err(runtime)?;
    Ok((config, db))
}

fn today() -> chrono::NaiveDate {
    onevisit_service::clock::today()
}

async fn run(command: Command, file: &FileConfig) -> Result<(), Failure> {
    match command {
        Command::Serve {
            listen,
            database,
            demo,
            jwt_secret,
            no_jobs,
            notice_days,
            delivery_schedule,
            replan_time_limit,
            webhook_secret,
            secure_cookies,
            evidence_dir,
        } => {
            let config = ServeConfig {
                listen: file.listen(listen.as_deref())?,
                database: file.database(
                    database.database_url.as_deref(),
                    database.database_pool_size,
                )?,
                demo,
                today: today(),
                auth: file
                    .auth(jwt_secret.as_deref())?
                    .with_secure_cookies(secure_cookies || file.secure_cookies.unwrap_or(false)),
                clock: onevisit_service::clock::Clock::default(),
                jobs: file.jobs(&config::JobFlags {
                    no_jobs,
                    notice_working_days: notice_days,
                    delivery_schedule: delivery_schedule.as_deref(),
                    replan_time_limit_seconds: replan_time_limit,
                    webhook_secret: webhook_secret.as_deref(),
                })?,
                hazards: file.hazards(evidence_dir.as_deref())?,
            };
            tracing::info!(database = %config.database.url, "starting");
            let app = Application::build(&config).await.map_err(runtime)?;
            let addr = app.local_addr().map_err(runtime)?;
            tracing::info!("listening on http://{addr}");
            app.run_until(shutdown_signal()).await.map_err(runtime)?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Migrate { database } => {
            let (config, _db) = open(file, &database).await?;
            tracing::info!(database = %config.url, "the schema is up to date");
            Ok(())
        }
        Command::Seed {
            demo,
            file: data_file,
            quarter,
            database,
        } => {
            // Read and check the data before touching the database.
            let data = match (&data_file, demo) {
                (Some(path), _) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| Failure::Input(format!("--file {}: {e}", path.display())))?;
                    let data: SeedData = serde_json::from_str(&text)
                        .map_err(|e| Failure::Input(format!("--file {}: {e}", path.display())))?;
                    Some(data.validate().map_err(|e| Failure::Input(e.to_string()))?)
                }
                (None, _) => None,
            };
            let (_, db) = open(file, &database).await?;
            let report = match data {
                Some(valid) => onevisit_service::seed::apply(&db, &valid).await,
                None => {
                    let quarter = quarter.unwrap_or_else(|| Quarter::containing(today()));
                    onevisit_service::seed::seed_demo(&db, &[quarter], today()).await
                }
            }
            .map_err(|e| match e {
                store::StoreError::Seed(problems) => Failure::Input(problems.to_string()),
                other => runtime(other),
            })?;
            tracing::info!(
                agencies = report.agencies_added,
                enterprises = report.enterprises_added,
                inspectors = report.inspectors_added,
                requests = report.requests_added,
                users = report.users_added,
                already_present = report.skipped,
                "seeded"
            );
            Ok(())
        }
        // Handled before the runtime starts.
        Command::Plan { .. } => Ok(()),
        Command::Openapi => {
            let spec =
                serde_json::to_string_pretty(&onevisit_api::http::openapi()).map_err(runtime)?;
            write_stdout(&format!("{spec}\n")).map_err(runtime)
        }
        Command::Calendar { command } => match command {
            CalendarCommand::Import {
                file: path,
                database,
            } => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
                let year = CalendarYear::parse_json(&text)
                    .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
                let (_, db) = open(file, &database).await?;
                store::import_calendar(&db, &year).await.map_err(runtime)?;
                tracing::info!(
                    year = year.year(),
                    periods = year.periods().len(),
                    "calendar imported; running servers pick it up when restarted"
                );
                Ok(())
            }
            CalendarCommand::Show { year, database } => {
                let (_, db) = open(file, &database).await?;
                let calendar = store::load_calendar(&db).await.map_err(runtime)?;
                let in_year = |d: &chrono::NaiveDate| chrono::Datelike::year(d) == year;
                let report = serde_json::json!({
                    "year": year,
                    "known": calendar.knows_year(year),
                    "holidays": calendar.holidays().filter(in_year).collect::<Vec<_>>(),
                    "workdays": calendar.workdays().filter(in_year).collect::<Vec<_>>(),
                });
                write_stdout(&format!("{report:#}\n")).map_err(runtime)
            }
        },
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
