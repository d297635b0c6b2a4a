//! How many deputies a People's Council has, from its unit's population, level, division type
//! and terrain (Local Government Law 2015 as amended in 2019; DOMAIN.md section 5). Pure rules.
//!
//! Each step counts only a full increment (floor). The figures marked *(assumed)* in DOMAIN.md are
//! the same here and are to be confirmed; a council's total can always be overridden with a reason.

use crate::format::number;

/// The row of the law's table that applies to a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeatRule {
    ProvinceMountainous,
    ProvinceOther,
    /// Hà Nội and Hồ Chí Minh City: a fixed number.
    CityFixed,
    /// Another centrally-run city (Hải Phòng, Đà Nẵng, Cần Thơ).
    CityOther,
    DistrictMountainousOrIsland,
    DistrictOrTownOther,
    ProvincialCity,
    /// A district-level unit with 30 or more commune-level units: the NA Standing Committee decides.
    DistrictWithManyCommunes,
    CommuneMountainousOrIsland,
    CommuneOther,
    Ward,
}

/// What a unit looks like to the seat formula.
#[derive(Clone, Copy, Debug)]
pub struct CouncilUnit<'a> {
    pub level: &'a str,
    pub division_type: &'a str,
    pub terrain: &'a str,
    /// How many commune-level units a district-level unit has.
    pub children: i64,
    /// The GSO code, which names the two cities the law gives a fixed number.
    pub gso_code: i32,
}

/// The division type of a centrally-run city in the GSO list.
pub const CENTRAL_CITY: &str = "thành phố trung ương";

/// Hà Nội (01) and Hồ Chí Minh City (79), whose councils have 95 deputies.
pub const FIXED_CITIES: [i32; 2] = [1, 79];

/// A council's computed seats and how they were reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calculation {
    pub rule: SeatRule,
    /// None when the law leaves the number to the NA Standing Committee, or the population is unknown.
    pub seats: Option<i64>,
    /// The working, e.g. "50 + ⌊(1.320.324 − 500.000) / 50.000⌋ = 66".
    pub working: String,
    pub cap: i64,
}

pub fn rule_for(unit: CouncilUnit<'_>) -> Option<SeatRule> {
    let hilly = matches!(unit.terrain, "mountainous" | "island");
    Some(match unit.level {
        "province" if unit.division_type == CENTRAL_CITY => {
            if FIXED_CITIES.contains(&unit.gso_code) {
                SeatRule::CityFixed
            } else {
                SeatRule::CityOther
            }
        }
        "province" if unit.terrain == "mountainous" => SeatRule::ProvinceMountainous,
        "province" => SeatRule::ProvinceOther,
        "district" if unit.children >= 30 => SeatRule::DistrictWithManyCommunes,
        "district" => match unit.division_type {
            // Urban districts (quận) are counted like provincial cities.
            "thành phố" | "quận" => SeatRule::ProvincialCity,
            "thị xã" => SeatRule::DistrictOrTownOther,
            _ if hilly => SeatRule::DistrictMountainousOrIsland,
            _ => SeatRule::DistrictOrTownOther,
        },
        "commune" => match unit.division_type {
            "phường" => SeatRule::Ward,
            _ if hilly => SeatRule::CommuneMountainousOrIsland,
            _ => SeatRule::CommuneOther,
        },
        _ => return None,
    })
}

impl SeatRule {
    /// The least and the most deputies the row allows: a total entered by hand outside them
    /// breaks the law either way. Where the Standing Committee decides (a district-level unit of
    /// 30 or more communes), the least is a district's base.
    pub fn bounds(self) -> (i64, i64) {
        match self {
            SeatRule::CommuneMountainousOrIsland => (15, 30),
            SeatRule::DistrictWithManyCommunes => (30, 40),
            rule => {
                let (base, _, _, cap) = rule.steps();
                (base, cap)
            }
        }
    }

    pub fn description_vi(self) -> &'static str {
        match self {
            SeatRule::ProvinceMountainous => {
                "Tỉnh miền núi, vùng cao: 50 đại biểu đến 500.000 dân, thêm 1 cho mỗi 50.000 dân, tối đa 75"
            }
            SeatRule::ProvinceOther => {
                "Tỉnh khác: 50 đại biểu đến 1.000.000 dân, thêm 1 cho mỗi 70.000 dân, tối đa 85"
            }
            SeatRule::CityFixed => "Thành phố Hà Nội, Thành phố Hồ Chí Minh: 95 đại biểu",
            SeatRule::CityOther => {
                "Thành phố trực thuộc trung ương khác: 50 đại biểu đến 1.000.000 dân, thêm 1 cho mỗi 60.000 dân, tối đa 85"
            }
            SeatRule::DistrictMountainousOrIsland => {
                "Huyện miền núi, vùng cao, hải đảo: 30 đại biểu đến 40.000 dân, thêm 1 cho mỗi 7.000 dân, tối đa 35"
            }
            SeatRule::DistrictOrTownOther => {
                "Huyện, thị xã khác: 30 đại biểu đến 80.000 dân, thêm 1 cho mỗi 15.000 dân, tối đa 35"
            }
            SeatRule::ProvincialCity => {
                "Thành phố thuộc tỉnh: 30 đại biểu đến 100.000 dân, thêm 1 cho mỗi 10.000 dân, tối đa 35"
            }
            SeatRule::DistrictWithManyCommunes => {
                "Đơn vị cấp huyện có từ 30 đơn vị cấp xã trở lên: do Ủy ban Thường vụ Quốc hội quyết định, tối đa 40"
            }
            SeatRule::CommuneMountainousOrIsland => {
                "Xã, thị trấn miền núi, vùng cao, hải đảo: 15 đại biểu đến 2.000 dân; 19 từ 2.001 đến 2.999; 21 từ 3.000 đến 4.000; thêm 1 cho mỗi 1.000 dân; tối đa 30"
            }
            SeatRule::CommuneOther => {
                "Xã, thị trấn khác: 25 đại biểu đến 5.000 dân, thêm 1 cho mỗi 2.500 dân, tối đa 30"
            }
            SeatRule::Ward => {
                "Phường: 21 đại biểu đến 10.000 dân, thêm 1 cho mỗi 5.000 dân, tối đa 30"
            }
        }
    }

    /// (base seats, population the base covers, people per further seat, cap)
    fn steps(self) -> (i64, i64, i64, i64) {
        match self {
            SeatRule::ProvinceMountainous => (50, 500_000, 50_000, 75),
            SeatRule::ProvinceOther => (50, 1_000_000, 70_000, 85),
            SeatRule::CityFixed => (95, i64::MAX, 1, 95),
            SeatRule::CityOther => (50, 1_000_000, 60_000, 85),
            SeatRule::DistrictMountainousOrIsland => (30, 40_000, 7_000, 35),
            SeatRule::DistrictOrTownOther => (30, 80_000, 15_000, 35),
            SeatRule::ProvincialCity => (30, 100_000, 10_000, 35),
            SeatRule::DistrictWithManyCommunes => (0, 0, 1, 40),
            // Above 4,000 people the mountainous commune adds one per 1,000 on top of 21.
            SeatRule::CommuneMountainousOrIsland => (21, 4_000, 1_000, 30),
            SeatRule::CommuneOther => (25, 5_000, 2_500, 30),
            SeatRule::Ward => (21, 10_000, 5_000, 30),
        }
    }
}

/// The number of deputies of the council of `unit` with `population` people.
pub fn calculate(unit: CouncilUnit<'_>, population: Option<i64>) -> Option<Calculation> {
    let rule = rule_for(unit)?;
    let (base, covered, per_seat, cap) = rule.steps();
    let unknown = |working: &str| Calculation {
        rule,
        seats: None,
        working: working.to_string(),
        cap,
    };
    if rule == SeatRule::CityFixed {
        return Some(Calculation {
            rule,
            seats: Some(cap),
            working: format!("Theo luật: {cap}"),
            cap,
        });
    }
    if rule == SeatRule::DistrictWithManyCommunes {
        return Some(unknown(&format!(
            "{} đơn vị cấp xã: số đại biểu do Ủy ban Thường vụ Quốc hội quyết định (tối đa {cap})",
            unit.children
        )));
    }
    let Some(people) = population else {
        return Some(unknown("Chưa có số dân để tính"));
    };
    // The mountainous commune's first steps are bands, not increments.
    if rule == SeatRule::CommuneMountainousOrIsland && people <= covered {
        let (seats, band) = match people {
            ..=2_000 => (15, "đến 2.000 dân"),
            2_001..=2_999 => (19, "từ 2.001 đến 2.999 dân"),
            _ => (21, "từ 3.000 đến 4.000 dân"),
        };
        return Some(Calculation {
            rule,
            seats: Some(seats),
            working: format!("{} dân, {band}: {seats}", number(people)),
            cap,
        });
    }
    if people <= covered {
        return Some(Calculation {
            rule,
            seats: Some(base),
            working: format!("{} dân ≤ {}: {base}", number(people), number(covered)),
            cap,
        });
    }
    let extra = (people - covered) / per_seat;
    let uncapped = base + extra;
    let seats = uncapped.min(cap);
    let capped = if uncapped > cap {
        format!(" → tối đa {cap}")
    } else {
        String::new()
    };
    Some(Calculation {
        rule,
        seats: Some(seats),
        working: format!(
            "{base} + ⌊({} − {}) / {}⌋ = {uncapped}{capped}",
            number(people),
            number(covered),
            number(per_seat)
        ),
        cap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit<'a>(level: &'a str, division_type: &'a str, terrain: &'a str) -> CouncilUnit<'a> {
        CouncilUnit {
            level,
            division_type,
            terrain,
            children: 10,
            gso_code: 22,
        }
    }

    fn seats(unit: CouncilUnit<'_>, people: i64) -> i64 {
        calculate(unit, Some(people)).unwrap().seats.unwrap()
    }

    #[test]
    fn quang_ninh_province_worked_by_hand() {
        let province = unit("province", "tỉnh", "mountainous");
        let calculation = calculate(province, Some(1_320_324)).unwrap();
        // 50 + ⌊820.324 / 50.000⌋ = 50 + 16 = 66, the 66 deputies Quảng Ninh elected.
        assert_eq!(calculation.seats, Some(66));
        assert_eq!(
            calculation.working,
            "50 + ⌊(1.320.324 − 500.000) / 50.000⌋ = 66"
        );
        assert_eq!(calculation.rule, SeatRule::ProvinceMountainous);
    }

    #[test]
    fn mountainous_province_at_its_boundaries_and_cap() {
        let p = unit("province", "tỉnh", "mountainous");
        assert_eq!(seats(p, 500_000), 50);
        assert_eq!(seats(p, 549_999), 50);
        assert_eq!(seats(p, 550_000), 51);
        assert_eq!(seats(p, 1_749_999), 74);
        assert_eq!(seats(p, 1_750_000), 75);
        assert_eq!(seats(p, 9_000_000), 75, "capped");
        assert!(
            calculate(p, Some(9_000_000))
                .unwrap()
                .working
                .ends_with("→ tối đa 75")
        );
    }

    #[test]
    fn other_province() {
        let p = unit("province", "tỉnh", "ordinary");
        assert_eq!(seats(p, 1_000_000), 50);
        assert_eq!(seats(p, 1_069_999), 50);
        assert_eq!(seats(p, 1_070_000), 51);
        assert_eq!(seats(p, 3_450_000), 85);
        assert_eq!(seats(p, 8_000_000), 85, "capped");
    }

    #[test]
    fn mountainous_and_island_districts() {
        let binh_lieu = unit("district", "huyện", "mountainous");
        assert_eq!(seats(binh_lieu, 30_900), 30);
        assert_eq!(seats(binh_lieu, 40_000), 30);
        assert_eq!(seats(binh_lieu, 46_999), 30);
        assert_eq!(seats(binh_lieu, 47_000), 31);
        // Hải Hà, 57.400 people: 30 + ⌊17.400 / 7.000⌋ = 32.
        assert_eq!(seats(binh_lieu, 57_400), 32);
        assert_eq!(seats(binh_lieu, 200_000), 35, "capped");
        let co_to = unit("district", "huyện", "island");
        assert_eq!(seats(co_to, 5_900), 30);
        assert_eq!(seats(co_to, 52_940), 31, "Vân Đồn");
    }

    #[test]
    fn other_districts_and_towns() {
        let huyen = unit("district", "huyện", "ordinary");
        assert_eq!(seats(huyen, 80_000), 30);
        assert_eq!(seats(huyen, 94_999), 30);
        assert_eq!(seats(huyen, 95_000), 31);
        let thi_xa = unit("district", "thị xã", "mountainous");
        // Đông Triều, 169.300: 30 + ⌊89.300 / 15.000⌋ = 35.
        assert_eq!(seats(thi_xa, 169_300), 35);
        assert_eq!(seats(thi_xa, 134_600), 33, "Quảng Yên");
        assert_eq!(seats(thi_xa, 500_000), 35, "capped");
    }

    #[test]
    fn provincial_cities() {
        let city = unit("district", "thành phố", "ordinary");
        assert_eq!(seats(city, 100_000), 30);
        assert_eq!(seats(city, 100_100), 30, "Móng Cái");
        assert_eq!(seats(city, 120_982), 32, "Uông Bí");
        assert_eq!(seats(city, 109_999), 30);
        assert_eq!(seats(city, 110_000), 31);
        assert_eq!(seats(city, 190_232), 35, "Cẩm Phả, capped");
    }

    #[test]
    fn a_locality_of_thirty_communes_is_decided_by_the_standing_committee() {
        let ha_long = CouncilUnit {
            level: "district",
            division_type: "thành phố",
            terrain: "ordinary",
            children: 33,
            gso_code: 193,
        };
        let calculation = calculate(ha_long, Some(300_267)).unwrap();
        assert_eq!(calculation.rule, SeatRule::DistrictWithManyCommunes);
        assert_eq!((calculation.seats, calculation.cap), (None, 40));
        let twenty_nine = CouncilUnit {
            children: 29,
            ..ha_long
        };
        assert_eq!(
            calculate(twenty_nine, Some(300_267)).unwrap().rule,
            SeatRule::ProvincialCity
        );
    }

    #[test]
    fn mountainous_communes_by_bands_then_increments() {
        let xa = unit("commune", "xã", "mountainous");
        assert_eq!(seats(xa, 2_000), 15);
        assert_eq!(seats(xa, 2_001), 19);
        assert_eq!(seats(xa, 2_999), 19);
        assert_eq!(seats(xa, 3_000), 21);
        assert_eq!(seats(xa, 4_000), 21);
        assert_eq!(seats(xa, 4_999), 21);
        assert_eq!(seats(xa, 5_000), 22);
        assert_eq!(seats(xa, 50_000), 30, "capped");
        let town = unit("commune", "thị trấn", "island");
        assert_eq!(seats(town, 3_500), 21);
    }

    #[test]
    fn other_communes_and_wards() {
        let xa = unit("commune", "xã", "ordinary");
        assert_eq!(seats(xa, 5_000), 25);
        assert_eq!(seats(xa, 7_499), 25);
        assert_eq!(seats(xa, 7_500), 26);
        assert_eq!(seats(xa, 100_000), 30);
        let phuong = unit("commune", "phường", "mountainous");
        assert_eq!(
            seats(phuong, 10_000),
            21,
            "a ward's terrain does not change its row"
        );
        assert_eq!(seats(phuong, 14_999), 21);
        assert_eq!(seats(phuong, 15_000), 22);
        assert_eq!(seats(phuong, 60_000), 30);
    }

    #[test]
    fn centrally_run_cities() {
        let ha_noi = CouncilUnit {
            gso_code: 1,
            ..unit("province", CENTRAL_CITY, "ordinary")
        };
        assert_eq!(seats(ha_noi, 8_053_663), 95);
        assert_eq!(seats(ha_noi, 100), 95, "fixed whatever the population");
        let hai_phong = CouncilUnit {
            gso_code: 31,
            ..ha_noi
        };
        assert_eq!(seats(hai_phong, 1_000_000), 50);
        assert_eq!(seats(hai_phong, 1_059_999), 50);
        assert_eq!(seats(hai_phong, 1_060_000), 51);
        // Hải Phòng, 2.028.514: 50 + ⌊1.028.514 / 60.000⌋ = 67.
        assert_eq!(seats(hai_phong, 2_028_514), 67);
        assert_eq!(seats(hai_phong, 3_099_999), 84);
        assert_eq!(seats(hai_phong, 3_100_000), 85);
        assert_eq!(seats(hai_phong, 9_000_000), 85, "capped");
    }

    #[test]
    fn bounds_of_every_row() {
        let bounds = |u: CouncilUnit<'_>| rule_for(u).unwrap().bounds();
        assert_eq!(bounds(unit("province", "tỉnh", "mountainous")), (50, 75));
        assert_eq!(bounds(unit("province", "tỉnh", "ordinary")), (50, 85));
        assert_eq!(bounds(unit("district", "huyện", "ordinary")), (30, 35));
        assert_eq!(bounds(unit("commune", "xã", "island")), (15, 30));
        assert_eq!(bounds(unit("commune", "phường", "ordinary")), (21, 30));
        let ha_long = CouncilUnit {
            children: 33,
            ..unit("district", "thành phố", "ordinary")
        };
        assert_eq!(bounds(ha_long), (30, 40));
        let ho_chi_minh = CouncilUnit {
            gso_code: 79,
            ..unit("province", CENTRAL_CITY, "ordinary")
        };
        assert_eq!(bounds(ho_chi_minh), (95, 95));
    }

    #[test]
    fn an_unknown_population_computes_nothing() {
        let calculation = calculate(unit("commune", "xã", "ordinary"), None).unwrap();
        assert_eq!(calculation.seats, None);
        assert!(calculate(unit("country", "", ""), Some(1)).is_none());
    }
}
