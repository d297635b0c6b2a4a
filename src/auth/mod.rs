//! Who is asking, and what they may do: roles with a unit scope, sessions, CSRF, login throttling.
//!
//! Every route is declared through [`Routes`] with its [`Access`] rule beside it; a request that
//! reaches a handler without a rule having been checked is refused (see `guard`), the way Arlo
//! refuses routes without a rule.

pub mod csrf;
pub mod guard;
pub mod login;
pub mod password;
pub mod routes;
pub mod session;
pub mod throttle;

pub use guard::CurrentUser;
pub use routes::{Access, Routes};

/// A user's role. Each role but admin answers for one unit (its scope); an agency officer
/// answers for one agency, and its scope is the agency's unit (for reading).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    ProvinceOfficer,
    SteeringMember,
    DistrictOfficer,
    CommuneOfficer,
    AgencyOfficer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::ProvinceOfficer,
        Role::SteeringMember,
        Role::DistrictOfficer,
        Role::CommuneOfficer,
        Role::AgencyOfficer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProvinceOfficer => "province_officer",
            Role::SteeringMember => "steering_member",
            Role::DistrictOfficer => "district_officer",
            Role::CommuneOfficer => "commune_officer",
            Role::AgencyOfficer => "agency_officer",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::ProvinceOfficer => "Cán bộ cấp tỉnh",
            Role::SteeringMember => "Thành viên Ban chỉ đạo",
            Role::DistrictOfficer => "Cán bộ cấp huyện",
            Role::CommuneOfficer => "Cán bộ cấp xã",
            Role::AgencyOfficer => "Cán bộ cơ quan, ban, ngành",
        }
    }

    /// Where the role lands after signing in when no page was asked for: a commune officer on
    /// their work, district and province people on their unit's dashboard, an administrator on
    /// the home page.
    pub fn landing(self) -> &'static str {
        match self {
            Role::CommuneOfficer => "/my-work",
            Role::AgencyOfficer => "/directives",
            Role::DistrictOfficer | Role::ProvinceOfficer | Role::SteeringMember => "/dashboard",
            Role::Admin => "/",
        }
    }

    /// The level of the unit this role answers for; none for an admin, and none for an agency
    /// officer, whose unit is its agency's.
    pub fn scope_level(self) -> Option<&'static str> {
        match self {
            Role::Admin | Role::AgencyOfficer => None,
            Role::ProvinceOfficer | Role::SteeringMember => Some("province"),
            Role::DistrictOfficer => Some("district"),
            Role::CommuneOfficer => Some("commune"),
        }
    }

    /// Whether the role changes data at all (within its scope).
    pub fn edits(self) -> bool {
        !matches!(self, Role::SteeringMember | Role::AgencyOfficer)
    }
}

/// Where a user stands in the unit tree: their role, their scope unit and its ancestors
/// (the scope unit last). An admin has no scope and reaches everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub role: Role,
    pub unit_ancestors: Vec<i64>,
}

impl Scope {
    pub fn unit_id(&self) -> Option<i64> {
        self.unit_ancestors.last().copied()
    }

    /// Whether a unit (given by its own ancestor list, itself last) is the scope unit or below it.
    pub fn covers(&self, unit_ancestors: &[i64]) -> bool {
        match self.unit_id() {
            None => self.role == Role::Admin,
            Some(scope) => unit_ancestors.contains(&scope),
        }
    }

    /// Reading: everything in scope; district officers and the province's people also read the
    /// levels above them (province summaries); a commune officer reads its own district.
    pub fn can_read(&self, unit_ancestors: &[i64]) -> bool {
        if self.role == Role::Admin || self.covers(unit_ancestors) {
            return true;
        }
        let Some(&unit) = unit_ancestors.last() else {
            return false;
        };
        let above = &self.unit_ancestors[..self.unit_ancestors.len().saturating_sub(1)];
        match self.role {
            Role::CommuneOfficer => above.last() == Some(&unit),
            Role::DistrictOfficer
            | Role::ProvinceOfficer
            | Role::SteeringMember
            | Role::AgencyOfficer => above.contains(&unit),
            Role::Admin => true,
        }
    }

    /// Editing: admins anywhere; officers within their scope; steering members nowhere.
    pub fn can_edit(&self, unit_ancestors: &[i64]) -> bool {
        match self.editable() {
            Editable::Nowhere => false,
            Editable::Everywhere => true,
            Editable::Under(unit) => unit_ancestors.contains(&unit),
        }
    }

    /// Where this user may edit, for a query that applies the rule itself.
    pub fn editable(&self) -> Editable {
        match (self.role.edits(), self.unit_id()) {
            (false, _) => Editable::Nowhere,
            (true, Some(unit)) => Editable::Under(unit),
            (true, None) if self.role == Role::Admin => Editable::Everywhere,
            (true, None) => Editable::Nowhere,
        }
    }
}

/// The units a user may edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editable {
    Nowhere,
    Everywhere,
    /// This unit and every unit below it.
    Under(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    // A small tree: province 1 with districts 2 and 3; district 2 with communes 4 and 5.
    const PROVINCE: &[i64] = &[1];
    const DISTRICT: &[i64] = &[1, 2];
    const OTHER_DISTRICT: &[i64] = &[1, 3];
    const COMMUNE: &[i64] = &[1, 2, 4];
    const SIBLING_COMMUNE: &[i64] = &[1, 2, 5];
    const OTHER_PROVINCE: &[i64] = &[9];

    fn scope(role: Role, unit: &[i64]) -> Scope {
        Scope {
            role,
            unit_ancestors: unit.to_vec(),
        }
    }

    #[test]
    fn roles_round_trip_their_codes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn an_admin_reads_and_edits_everything() {
        let admin = scope(Role::Admin, &[]);
        for unit in [PROVINCE, DISTRICT, COMMUNE, OTHER_PROVINCE] {
            assert!(admin.can_read(unit) && admin.can_edit(unit));
        }
    }

    #[test]
    fn province_people_read_the_province_and_officers_edit_it() {
        let officer = scope(Role::ProvinceOfficer, PROVINCE);
        let steering = scope(Role::SteeringMember, PROVINCE);
        for unit in [PROVINCE, DISTRICT, OTHER_DISTRICT, COMMUNE] {
            assert!(officer.can_read(unit) && officer.can_edit(unit));
            assert!(steering.can_read(unit) && !steering.can_edit(unit));
        }
        assert!(!officer.can_read(OTHER_PROVINCE) && !steering.can_read(OTHER_PROVINCE));
    }

    #[test]
    fn a_district_officer_edits_its_district_and_communes_and_reads_the_province() {
        let officer = scope(Role::DistrictOfficer, DISTRICT);
        for unit in [DISTRICT, COMMUNE, SIBLING_COMMUNE] {
            assert!(officer.can_read(unit) && officer.can_edit(unit));
        }
        assert!(officer.can_read(PROVINCE) && !officer.can_edit(PROVINCE));
        assert!(!officer.can_read(OTHER_DISTRICT) && !officer.can_edit(OTHER_DISTRICT));
        assert!(!officer.can_read(OTHER_PROVINCE));
    }

    #[test]
    fn a_commune_officer_edits_its_commune_and_reads_its_district() {
        let officer = scope(Role::CommuneOfficer, COMMUNE);
        assert!(officer.can_read(COMMUNE) && officer.can_edit(COMMUNE));
        assert!(officer.can_read(DISTRICT) && !officer.can_edit(DISTRICT));
        assert!(!officer.can_read(PROVINCE), "only its district's summaries");
        assert!(!officer.can_read(SIBLING_COMMUNE) && !officer.can_edit(SIBLING_COMMUNE));
        assert!(!officer.can_read(OTHER_DISTRICT));
    }
}
