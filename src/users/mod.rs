//! User accounts: creating them (administrators, the command line, the demo accounts), the
//! administrators' pages, and each user's own account page.

pub mod account;
pub mod admin;
pub mod import;

use chrono::{DateTime, FixedOffset};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};
use crate::auth::password::{self, Hasher};
use crate::auth::{Role, Routes};
use crate::input as form;
use crate::units::UnitRef;

pub fn routes() -> Routes {
    account::routes()
        .merge(admin::routes())
        .merge(import::routes())
}

/// A new account as entered by an administrator or on the command line.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub role: String,
    /// `LEVEL:GSO_CODE`; empty for an admin; `agency:ID` (or the agency's name) for an agency
    /// officer.
    pub unit: String,
    pub phone: String,
    pub email: String,
}

/// Why an account cannot be saved, worded for the person entering it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum Invalid {
    #[error(
        "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới."
    )]
    Username,
    #[error("Tên đăng nhập này đã có người dùng.")]
    UsernameTaken,
    #[error("Cần nhập họ và tên.")]
    FullName,
    #[error("Vai trò không hợp lệ.")]
    Role,
    #[error("Quản trị hệ thống không gắn với đơn vị nào; hãy để trống ô đơn vị.")]
    AdminWithUnit,
    #[error("Vai trò này cần một đơn vị {0}, ghi dạng cấp:mã, ví dụ {1}.")]
    UnitLevel(&'static str, &'static str),
    #[error("Không có đơn vị {0}.")]
    UnknownUnit(String),
    #[error(
        "Cán bộ cơ quan cần một cơ quan, ghi dạng agency:số (xem trang Cơ quan, ban, ngành) hoặc tên cơ quan."
    )]
    Agency,
    /// A unit named by its name that names no one unit.
    #[error("Đơn vị: {0}.")]
    UnitName(String),
    #[error("{0}")]
    Password(#[from] password::Weakness),
    /// A field refused by the common input rules (a control character, too long).
    #[error("{1}")]
    Field(&'static str, String),
}

impl Invalid {
    /// The form field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            Invalid::Username | Invalid::UsernameTaken => "username",
            Invalid::FullName => "full_name",
            Invalid::Role => "role",
            Invalid::AdminWithUnit
            | Invalid::UnitLevel(..)
            | Invalid::UnknownUnit(_)
            | Invalid::UnitName(_)
            | Invalid::Agency => "unit",
            Invalid::Password(_) => "password",
            Invalid::Field(field, _) => field,
        }
    }
}

/// The fields of an account, checked: username lower case, names in NFC, the unit resolved and
/// of the level the role answers for.
#[derive(Debug, Clone)]
pub struct ValidUser {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    /// The agency an agency officer answers for (its unit is `unit_id`).
    pub agency_id: Option<i64>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub fn valid_username(username: &str) -> Option<String> {
    let username = username.trim().to_lowercase();
    let ok = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    ok.then_some(username)
}

/// Whether `manager` may create or change an account of `role` answering for the unit with these
/// ancestors (itself last; empty for an administrator): an administrator any; a province officer
/// any but an administrator's, within the province; nobody else.
pub fn may_manage(manager: &crate::auth::Scope, role: Role, unit_ancestors: &[i64]) -> bool {
    match manager.role {
        Role::Admin => true,
        Role::ProvinceOfficer => {
            role != Role::Admin && !unit_ancestors.is_empty() && manager.can_edit(unit_ancestors)
        }
        _ => false,
    }
}

/// The ancestors of a unit (itself last), or none.
pub async fn unit_ancestors(pool: &PgPool, unit: Option<i64>) -> sqlx::Result<Vec<i64>> {
    let Some(unit) = unit else {
        return Ok(Vec::new());
    };
    sqlx::query_scalar!("SELECT ancestors FROM units WHERE id = $1", unit)
        .fetch_one(pool)
        .await
}

/// Checks every field and resolves the unit.
pub async fn validate(pool: &PgPool, input: &NewUser) -> Result<ValidUser, Invalid> {
    let username = valid_username(&input.username).ok_or(Invalid::Username)?;
    let full_name = form::text("Họ và tên", form::Kind::Name, &input.full_name)
        .map_err(|message| Invalid::Field("full_name", message))?
        .ok_or(Invalid::FullName)?;
    let role = Role::parse(input.role.trim()).ok_or(Invalid::Role)?;
    let (unit_id, agency_id) = if role == Role::AgencyOfficer {
        let agency = crate::agencies::resolve(pool, &input.unit)
            .await
            .map_err(|_| Invalid::Agency)?
            .ok_or(Invalid::Agency)?;
        (Some(agency.unit_id), Some(agency.id))
    } else {
        (resolve_unit(pool, role, &input.unit).await?, None)
    };
    Ok(ValidUser {
        username,
        full_name,
        role,
        unit_id,
        agency_id,
        phone: form::text("Điện thoại", form::Kind::Code, &input.phone)
            .map_err(|message| Invalid::Field("phone", message))?,
        email: form::text("Thư điện tử", form::Kind::Code, &input.email)
            .map_err(|message| Invalid::Field("email", message))?,
    })
}

async fn resolve_unit(pool: &PgPool, role: Role, unit: &str) -> Result<Option<i64>, Invalid> {
    let unit = unit.trim();
    let Some(level) = role.scope_level() else {
        return if unit.is_empty() {
            Ok(None)
        } else {
            Err(Invalid::AdminWithUnit)
        };
    };
    let (level_vi, example) = match level {
        "province" => ("cấp tỉnh", "province:22"),
        "district" => ("cấp huyện", "district:200"),
        _ => ("cấp xã", "commune:6895"),
    };
    let wrong_level = Invalid::UnitLevel(level_vi, example);
    let reference: UnitRef = unit.parse().map_err(|_| wrong_level.clone())?;
    if reference.level != level {
        return Err(wrong_level);
    }
    let found = reference
        .resolve(pool)
        .await
        .map_err(|_| Invalid::UnknownUnit(reference.to_string()))?
        .ok_or_else(|| Invalid::UnknownUnit(reference.to_string()))?;
    Ok(Some(found.id))
}

/// The account as the audit log records it (never the password hash).
pub fn audit_view(user: &ValidUser) -> serde_json::Value {
    serde_json::json!({
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.code(),
        "unit_id": user.unit_id,
        "agency_id": user.agency_id,
        "phone": user.phone,
        "email": user.email,
    })
}

/// Inserts a checked account with an already hashed password; returns its id.
pub async fn insert(
    conn: &mut PgConnection,
    user: &ValidUser,
    password_hash: &str,
    must_change_password: bool,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<i64, InsertError> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (username, full_name, role, unit_id, phone, email, password_hash,
                              must_change_password, created_at, updated_at, agency_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
           ON CONFLICT (username) DO NOTHING
           RETURNING id"#,
        user.username,
        user.full_name,
        user.role.code(),
        user.unit_id,
        user.phone,
        user.email,
        password_hash,
        must_change_password,
        now,
        user.agency_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(InsertError::Invalid(Invalid::UsernameTaken))?;
    let mut event = Event::new("user.created")
        .object("user", id)
        .after(audit_view(user));
    if let Some(unit) = user.unit_id {
        event = event.unit(unit);
    }
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("{0}")]
    Invalid(Invalid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// `baucu user add`: an account whose password its owner chose, so no change is forced.
pub async fn add_from_command_line(
    pool: &PgPool,
    hasher: &Hasher,
    input: &NewUser,
    password: &str,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<ValidUser> {
    let user = validate(pool, input).await?;
    password::check_new(password, &user.username).map_err(Invalid::from)?;
    let hash = hasher.hash(password).await;
    let mut tx = pool.begin().await?;
    insert(&mut tx, &user, &hash, false, &Actor::command_line(), now).await?;
    tx.commit().await?;
    Ok(user)
}

/// One demo account per role, for the first start of the private demo database.
pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub unit: &'static str,
    pub password: String,
}

/// Creates the demo accounts (Quảng Ninh; Đầm Hà district; Thị trấn Đầm Hà) with random
/// passwords to be changed at first login. Returns them so they can be shown once.
pub async fn create_demo_accounts(
    pool: &PgPool,
    hasher: &Hasher,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<Vec<DemoAccount>> {
    let plan = [
        ("admin", Role::Admin, "", "Quản trị hệ thống"),
        (
            "tinh.quangninh",
            Role::ProvinceOfficer,
            "province:22",
            "Cán bộ Sở Nội vụ",
        ),
        (
            "bcd.quangninh",
            Role::SteeringMember,
            "province:22",
            "Thành viên Ban chỉ đạo tỉnh",
        ),
        (
            "huyen.damha",
            Role::DistrictOfficer,
            "district:200",
            "Cán bộ huyện Đầm Hà",
        ),
        (
            "xa.ttdamha",
            Role::CommuneOfficer,
            "commune:6895",
            "Cán bộ thị trấn Đầm Hà",
        ),
        (
            "sotaichinh.quangninh",
            Role::AgencyOfficer,
            "Sở Tài chính",
            "Cán bộ Sở Tài chính",
        ),
    ];
    let mut accounts = Vec::new();
    let mut tx = pool.begin().await?;
    for (username, role, unit, full_name) in plan {
        let input = NewUser {
            username: username.to_string(),
            full_name: full_name.to_string(),
            role: role.code().to_string(),
            unit: unit.to_string(),
            ..NewUser::default()
        };
        let user = validate(pool, &input).await?;
        let password = password::one_time();
        let hash = hasher.hash(&password).await;
        insert(&mut tx, &user, &hash, true, &Actor::command_line(), now).await?;
        accounts.push(DemoAccount {
            username,
            role,
            unit,
            password,
        });
    }
    tx.commit().await?;
    Ok(accounts)
}

/// Sets how often a user is mailed their reminders, with its audit record.
pub async fn set_digest(
    conn: &mut PgConnection,
    user: &crate::auth::CurrentUser,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    frequency: crate::reminders::Frequency,
) -> sqlx::Result<()> {
    let before = sqlx::query_scalar!(
        "UPDATE users u SET digest = $2, updated_at = $3, version = u.version + 1
           FROM users old WHERE u.id = $1 AND old.id = u.id
         RETURNING old.digest",
        user.id,
        frequency.code(),
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut event = Event::new("user.digest_changed")
        .object("user", user.id)
        .before(serde_json::json!({ "digest": before }))
        .after(serde_json::json!({ "digest": frequency.code() }));
    if let Some(unit) = user.scope.unit_id() {
        event = event.unit(unit);
    }
    audit::record(conn, actor, now, event).await
}

#[cfg(test)]
mod tests {
    use super::valid_username;

    #[test]
    fn usernames_are_lower_case_ascii() {
        assert_eq!(
            valid_username(" Huyen.DamHa "),
            Some("huyen.damha".to_string())
        );
        assert_eq!(valid_username("ab"), None);
        assert_eq!(valid_username("nguyễn"), None);
        assert_eq!(valid_username("a b c"), None);
    }
}
