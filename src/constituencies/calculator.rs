//! The seat calculator: anyone signed in picks a kind of unit, its terrain and population (and,
//! for a district-level unit, how many commune-level units it has) and reads the number of People's
//! Council deputies the law gives it, with the working. Nothing is stored.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::seats::{self, CENTRAL_CITY, Calculation, CouncilUnit, FIXED_CITIES};
use crate::auth::{Access, Routes};
use crate::web::form::{self, Refusal};
use crate::web::layout::Layout;

pub fn routes() -> Routes {
    Routes::new().get("/seats", Access::SignedIn, calculator)
}

/// The kinds of unit the calculator offers: (code, label, level, GSO division type).
const KINDS: &[(&str, &str, &str, &str)] = &[
    ("province", "Tỉnh", "province", "tỉnh"),
    (
        "city_fixed",
        "Thành phố Hà Nội, Thành phố Hồ Chí Minh",
        "province",
        CENTRAL_CITY,
    ),
    (
        "city",
        "Thành phố trực thuộc trung ương khác",
        "province",
        CENTRAL_CITY,
    ),
    ("district", "Huyện", "district", "huyện"),
    ("town", "Thị xã", "district", "thị xã"),
    (
        "provincial_city",
        "Thành phố thuộc tỉnh",
        "district",
        "thành phố",
    ),
    ("urban_district", "Quận", "district", "quận"),
    ("commune", "Xã", "commune", "xã"),
    ("township", "Thị trấn", "commune", "thị trấn"),
    ("ward", "Phường", "commune", "phường"),
];

const TERRAINS: &[(&str, &str)] = &[
    ("ordinary", "Đồng bằng, trung du"),
    ("mountainous", "Miền núi, vùng cao"),
    ("island", "Hải đảo"),
];

#[derive(Deserialize, Default, Clone, Debug)]
struct CalculatorForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    terrain: String,
    #[serde(default)]
    population: String,
    #[serde(default)]
    communes: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "constituencies/calculator.html")]
struct CalculatorPage {
    layout: Layout,
    form: CalculatorForm,
    kinds: &'static [(&'static str, &'static str, &'static str, &'static str)],
    terrains: &'static [(&'static str, &'static str)],
    result: Option<Calculation>,
    error: Option<Refusal>,
}

impl CalculatorPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }

    fn bounds_text(&self) -> String {
        self.result.as_ref().map_or_else(String::new, |result| {
            let (least, most) = result.rule.bounds();
            if least == most {
                least.to_string()
            } else {
                format!("{least}–{most}")
            }
        })
    }
}

/// The calculation the form asks for; none while its population is still empty.
fn calculate(form: &CalculatorForm) -> Result<Option<Calculation>, Refusal> {
    if form.population.trim().is_empty() {
        return Ok(None);
    }
    let &(_, _, level, division_type) = KINDS
        .iter()
        .find(|(code, ..)| *code == form.kind)
        .ok_or_else(|| Refusal::at("kind")("Chọn loại đơn vị.".into()))?;
    let terrain = TERRAINS
        .iter()
        .find(|(code, _)| *code == form.terrain)
        .map(|(code, _)| *code)
        .ok_or_else(|| Refusal::at("terrain")("Chọn địa hình.".into()))?;
    let population = form::count("Số dân", &form.population).map_err(Refusal::at("population"))?;
    let communes = match form.communes.trim() {
        "" => 0,
        _ => form::count("Số đơn vị cấp xã", &form.communes).map_err(Refusal::at("communes"))?,
    };
    let unit = CouncilUnit {
        level,
        division_type,
        terrain,
        children: i64::from(communes),
        gso_code: if form.kind == "city_fixed" {
            FIXED_CITIES[0]
        } else {
            0
        },
    };
    Ok(seats::calculate(unit, Some(i64::from(population))))
}

async fn calculator(layout: Layout, Query(form): Query<CalculatorForm>) -> Response {
    let (result, error) = match calculate(&form) {
        Ok(result) => (result, None),
        Err(refusal) => (None, Some(refusal)),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = CalculatorPage {
        layout,
        form,
        kinds: KINDS,
        terrains: TERRAINS,
        result,
        error,
    };
    (status, page).into_response()
}
