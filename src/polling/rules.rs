//! The size of a polling area (DOMAIN.md section 3): 300 to 4,000 voters, fewer allowed in
//! remote, mountainous or island places; separate areas for hospitals and care homes need at
//! least 50; armed-forces units and detention facilities have areas of their own. Pure rules.

pub const MIN_VOTERS: i64 = 300;
pub const MAX_VOTERS: i64 = 4_000;
pub const MIN_HOSPITAL_VOTERS: i64 = 50;

/// The kinds of polling area, with their Vietnamese names.
pub const KINDS: &[(&str, &str)] = &[
    ("ordinary", "Thông thường"),
    ("hospital_care_home", "Bệnh viện, cơ sở chăm sóc"),
    ("armed_forces", "Đơn vị vũ trang"),
    ("detention", "Cơ sở giam giữ"),
    ("remote", "Vùng sâu, vùng xa"),
];

pub fn kind_vi(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(code, _)| *code == kind)
        .map_or("Khác", |(_, name)| name)
}

/// What is wrong with the size of a polling area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeProblem {
    TooMany { voters: i64 },
    TooFewForHospital { voters: i64 },
    TooFew { voters: i64 },
}

/// What is wrong with an area of `voters` voters of `kind` in a commune of `terrain`, if anything.
pub fn size_problem(voters: i64, kind: &str, terrain: &str) -> Option<SizeProblem> {
    if voters > MAX_VOTERS {
        return Some(SizeProblem::TooMany { voters });
    }
    let minimum = match kind {
        "hospital_care_home" => MIN_HOSPITAL_VOTERS,
        // Separate areas for units and facilities hold whoever is there.
        "armed_forces" | "detention" | "remote" => 0,
        _ if matches!(terrain, "mountainous" | "island") => 0,
        _ => MIN_VOTERS,
    };
    (voters < minimum).then_some(match kind {
        "hospital_care_home" => SizeProblem::TooFewForHospital { voters },
        _ => SizeProblem::TooFew { voters },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_areas_hold_300_to_4000_voters() {
        assert!(size_problem(299, "ordinary", "ordinary").is_some());
        assert!(size_problem(300, "ordinary", "ordinary").is_none());
        assert!(size_problem(4_000, "ordinary", "ordinary").is_none());
        assert!(size_problem(4_001, "ordinary", "ordinary").is_some());
    }

    #[test]
    fn remote_mountainous_and_island_places_may_be_smaller_but_not_larger() {
        assert!(size_problem(120, "remote", "ordinary").is_none());
        assert!(size_problem(120, "ordinary", "mountainous").is_none());
        assert!(size_problem(120, "ordinary", "island").is_none());
        assert!(size_problem(4_001, "remote", "island").is_some());
    }

    #[test]
    fn hospitals_need_fifty() {
        assert!(size_problem(49, "hospital_care_home", "ordinary").is_some());
        assert!(size_problem(50, "hospital_care_home", "ordinary").is_none());
        assert!(
            size_problem(49, "hospital_care_home", "mountainous").is_some(),
            "terrain does not lower it"
        );
    }

    #[test]
    fn units_and_facilities_have_their_own_areas_of_any_size() {
        assert!(size_problem(35, "armed_forces", "ordinary").is_none());
        assert!(size_problem(12, "detention", "ordinary").is_none());
    }
}
