//! The `baucu` command: serve (the default), migrate, seed, user add, audit verify, election
//! create and move.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use tracing_subscriber::EnvFilter;

use crate::audit::{self, Verdict};
use crate::clock::Clock;
use crate::config::{AuditCommand, Cli, Command, Config, ElectionCommand, SeedArgs, UserCommand};
use crate::db::{self, Database};
use crate::{AppState, seed, users, web};

/// Runs a command; a failure prints one clear sentence, never a stack trace.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(&cli.config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("baucu: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    match runtime.block_on(execute(command, cli.config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("baucu: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    // A password typed at the terminal is read before anything starts.
    let password = match &command {
        Command::User(UserCommand::Add { .. }) => Some(read_new_password()?),
        _ => None,
    };
    // Only the server's pages run under time limits; a command is run by an operator.
    let limits = match command {
        Command::Serve => config.limits(),
        _ => db::Limits::NONE,
    };
    let database = Database::open(
        config.database_url.as_deref(),
        config.database_owner_url.as_deref(),
        &config.data,
        &limits,
    )
    .await?;
    let state = AppState {
        limits,
        request_timeout: std::time::Duration::from_secs(config.request_timeout_secs),
        trusted_proxy: config.trusted_proxy,
        ..AppState::new(
            database.pool.clone(),
            Clock::from_setting(config.today),
            config.session_settings(),
        )
    };
    // Whatever happens next, the private PostgreSQL is stopped before returning.
    let outcome = match command {
        Command::Serve => serve(&database, &state, &config).await,
        Command::Migrate => database.migrate().await,
        Command::Seed(args) => seed_explicitly(&database, &args).await,
        Command::User(UserCommand::Add {
            username,
            role,
            unit,
            full_name,
            phone,
            email,
        }) => {
            let input = users::NewUser {
                username,
                full_name,
                role,
                unit: unit.unwrap_or_default(),
                phone: phone.unwrap_or_default(),
                email: email.unwrap_or_default(),
            };
            database.migrate().await?;
            add_user(&state, &input, &password.unwrap_or_default()).await
        }
        Command::Audit(AuditCommand::Verify { head }) => verify_audit(&database, head).await,
        Command::Election(ElectionCommand::Move {
            day,
            reason,
            election,
        }) => {
            database.migrate().await?;
            move_election_day(&state, election, day, &reason).await
        }
        Command::Election(ElectionCommand::Create {
            name,
            day,
            unit,
            races,
        }) => {
            database.migrate().await?;
            create_election(&state, &name, day, &unit, races).await
        }
    };
    let closed = database.close().await;
    outcome.and(closed)
}

/// The operator at the terminal, for the audit log.
const OPERATOR: audit::Actor = audit::Actor {
    user_id: None,
    session_id: None,
    client_addr: None,
};

/// Creates an election, as an administrator would on the election's page.
async fn create_election(
    state: &AppState,
    name: &str,
    day: chrono::NaiveDate,
    unit: &str,
    races: Vec<String>,
) -> anyhow::Result<()> {
    use crate::elections::creating;
    let name = crate::input::required("Tên kỳ bầu cử", crate::input::Kind::Name, name)
        .map_err(anyhow::Error::msg)?;
    creating::check_day(day, state.clock.today()).map_err(anyhow::Error::msg)?;
    let unit = crate::units::named(&state.pool, unit.trim())
        .await?
        .map_err(anyhow::Error::msg)?;
    let allowed = creating::races_for(&unit.level);
    let races = if races.is_empty() {
        allowed.iter().map(|r| r.to_string()).collect()
    } else {
        races
    };
    if let Some(race) = races.iter().find(|r| !allowed.contains(&r.as_str())) {
        anyhow::bail!("{race} is not held for {} ({})", unit.name, unit.level);
    }
    let new = creating::NewElection {
        name,
        day,
        unit_id: unit.id,
        races,
    };
    let mut tx = state.pool.begin().await?;
    let id = creating::create(&mut tx, &OPERATOR, state.clock.now(), &new)
        .await?
        .with_context(|| format!("{} already has an election on {day}", unit.name))?;
    tx.commit().await?;
    println!(
        "Đã tạo kỳ bầu cử số {id} ngày {} cho {}.",
        crate::format::date(day),
        unit.name
    );
    Ok(())
}

/// Moves an election's day (the latest unless one is named), as an administrator would on the
/// election's page.
async fn move_election_day(
    state: &AppState,
    chosen: Option<i64>,
    day: chrono::NaiveDate,
    reason: &str,
) -> anyhow::Result<()> {
    use crate::elections::{self, moving};
    let elections = elections::all(&state.pool).await?;
    let election = match chosen {
        Some(id) => elections.into_iter().find(|e| e.id == id),
        None => elections.into_iter().next(),
    }
    .context("there is no such election")?;
    moving::check_new_day(election.election_day, day, state.clock.today())
        .map_err(anyhow::Error::msg)?;
    let reason = crate::input::required("Lý do", crate::input::Kind::Reason, reason)
        .map_err(anyhow::Error::msg)?;
    let mut tx = state.pool.begin().await?;
    moving::move_day(
        &mut tx,
        &OPERATOR,
        state.clock.now(),
        election.id,
        day,
        &reason,
    )
    .await?;
    tx.commit().await?;
    println!(
        "Đã dời ngày bầu cử từ {} sang {}.",
        crate::format::date(election.election_day),
        crate::format::date(day)
    );
    Ok(())
}

async fn serve(database: &Database, state: &AppState, config: &Config) -> anyhow::Result<()> {
    database.migrate().await?;
    let owner = database.owner_pool().await?;
    if database.is_private() && !seed::has_run(&owner).await? {
        tracing::info!("first start of the private database: loading the Quảng Ninh 2021 election");
        let counts = seed::quang_ninh_2021(&owner).await?;
        tracing::info!(%counts, "seeded");
        let accounts =
            users::create_demo_accounts(&owner, &state.hasher, state.clock.now()).await?;
        print_demo_accounts(&accounts);
    }
    owner.close().await;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (set BAUCU_BIND to another address)",
                config.bind
            )
        })?;
    let address = listener.local_addr()?;
    if let Some(today) = config.today {
        tracing::info!(%today, "running as of a fixed date (BAUCU_TODAY)");
    }
    println!("baucu đang chạy — mở http://{address} trong trình duyệt (Ctrl-C để dừng)");
    tokio::spawn(crate::dashboards::warm_up(state.clone()));
    std::fs::create_dir_all(&config.data)
        .with_context(|| format!("creating the data folder {}", config.data.display()))?;
    tokio::spawn(crate::audit::keep_sealing(
        state.pool.clone(),
        state.clock.clone(),
        config.data.join(audit::head::FILE_NAME),
    ));
    match config.digests()? {
        Some(digests) => {
            tokio::spawn(crate::reminders::job::keep_sending(
                state.pool.clone(),
                state.clock.clone(),
                digests,
            ));
        }
        None => tracing::info!("no SMTP server set (BAUCU_SMTP_HOST): reminders are not mailed"),
    }
    let drain = std::time::Duration::from_secs(config.drain_secs);
    tokio::select! {
        served = web::serve(listener, state.clone(), drain) => served.context("serving HTTP")?,
        failed = database.watch() => return Err(failed),
    }
    tracing::info!("all requests finished");
    Ok(())
}

/// Shown once, on the console of the first start; the passwords must be changed at first login.
fn print_demo_accounts(accounts: &[users::DemoAccount]) {
    println!(
        "Tài khoản thử nghiệm (mật khẩu chỉ hiện một lần này; phải đổi ở lần đăng nhập đầu tiên):"
    );
    for account in accounts {
        let unit = if account.unit.is_empty() {
            "—"
        } else {
            account.unit
        };
        println!(
            "  {:<16} {:<26} {:<14} {}",
            account.username,
            account.role.label_vi(),
            unit,
            account.password
        );
    }
}

async fn seed_explicitly(database: &Database, args: &SeedArgs) -> anyhow::Result<()> {
    database.migrate().await?;
    let owner = database.owner_pool().await?;
    let seeded = seed_as_owner(&owner, args).await;
    owner.close().await;
    seeded
}

async fn seed_as_owner(owner: &sqlx::PgPool, args: &SeedArgs) -> anyhow::Result<()> {
    if args.national {
        println!(
            "Đang tạo bộ dữ liệu toàn quốc (seed {}, tiến độ đến {})…",
            args.seed_number, args.as_of
        );
        let options = seed::national::Options {
            seed: args.seed_number,
            as_of: args.as_of,
        };
        let counts = seed::national::national_2021(owner, options).await?;
        println!("Đã tạo bộ dữ liệu toàn quốc: {counts}");
        return Ok(());
    }
    let counts = seed::quang_ninh_2021(owner).await?;
    println!("Đã nạp dữ liệu Quảng Ninh 2021: {counts}");
    Ok(())
}

/// From the terminal, asked twice without echo; from a pipe, the first line.
fn read_new_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Mật khẩu (ít nhất 15 ký tự): ")?;
        let second = rpassword::prompt_password("Nhập lại mật khẩu: ")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

async fn add_user(state: &AppState, input: &users::NewUser, password: &str) -> anyhow::Result<()> {
    let user = users::add_from_command_line(
        &state.pool,
        &state.hasher,
        input,
        password,
        state.clock.now(),
    )
    .await?;
    println!(
        "Đã tạo tài khoản {} ({}).",
        user.username,
        user.role.label_vi()
    );
    Ok(())
}

async fn verify_audit(database: &Database, heads: Option<PathBuf>) -> anyhow::Result<()> {
    let verdict = audit::verify(&database.pool).await?;
    if !matches!(verdict, Verdict::Intact { .. }) {
        anyhow::bail!("{verdict}");
    }
    println!("{verdict}");
    let Some(path) = heads else {
        return Ok(());
    };
    let recorded = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the heads file {}", path.display()))?;
    match audit::head::check(&database.pool, &recorded).await? {
        matching @ audit::head::HeadsVerdict::Matching { .. } => {
            println!("{matching}");
            Ok(())
        }
        broken => anyhow::bail!("{broken}"),
    }
}
