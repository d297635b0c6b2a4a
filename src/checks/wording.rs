//! How findings read: the one place their Vietnamese sentences are written. Pages show them
//! through the language catalog (`layout.t`), which matches each sentence to its English pattern.

use std::fmt::{self, Display, Formatter};

use super::{Problem, Subject};
use crate::bodies;
use crate::format::{date, number};
use crate::polling::rules::{MAX_VOTERS, MIN_HOSPITAL_VOTERS, MIN_VOTERS, SizeProblem};

impl Display for Subject {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Body { name } => f.write_str(name),
            Subject::Race { name } => f.write_str(name),
            Subject::Constituency { number, name } => {
                write!(f, "Đơn vị bầu cử số {number} ({name})")
            }
            Subject::PollingArea { number, name } => {
                write!(f, "Khu vực bỏ phiếu số {number} ({name})")
            }
            Subject::Population => f.write_str("Dân số"),
            Subject::Voters => f.write_str("Số cử tri"),
        }
    }
}

impl Display for Problem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Body(problem) => problem.fmt(f),
            Problem::NationalSeatsMissing => f.write_str("chưa nhập số đại biểu Quốc hội được bầu"),
            Problem::NationalSeatsBelowMinimum { total } => {
                write!(f, "{total} đại biểu Quốc hội; mỗi tỉnh được bầu ít nhất 6")
            }
            Problem::CouncilTotalUnknown { working } => {
                let why = working.as_deref().unwrap_or("không tính được");
                write!(f, "chưa xác định tổng số đại biểu: {why}")
            }
            Problem::CouncilTotalOutOfBounds { total, least, most } => write!(
                f,
                "tổng số {total} đại biểu đã ấn định nằm ngoài khoảng luật định {least}–{most}"
            ),
            Problem::NoConstituencies => f.write_str("chưa có đơn vị bầu cử"),
            Problem::SeatsDoNotAddUp {
                constituencies,
                total,
            } => write!(
                f,
                "các đơn vị bầu cử có tổng {constituencies} đại biểu, khác tổng số {total} đại biểu được bầu"
            ),
            Problem::ConstituencyOverCap { seats, cap } => write!(
                f,
                "{seats} đại biểu, quá mức tối đa {cap} của một đơn vị bầu cử"
            ),
            Problem::NoBoard => f.write_str("chưa có Ban bầu cử"),
            Problem::UnitsOutsideCouncil { count } => write!(
                f,
                "gồm {count} đơn vị hành chính không thuộc địa bàn của hội đồng"
            ),
            Problem::NoUnitsCovered => f.write_str("chưa ghi địa bàn (các đơn vị hành chính)"),
            Problem::AreaSize(problem) => problem.fmt(f),
            Problem::NoPollingGroup => f.write_str("chưa có Tổ bầu cử"),
            Problem::PopulationDoesNotAddUp {
                children,
                own,
                unit_name,
            } => write!(
                f,
                "dân số các đơn vị trực thuộc cộng lại là {}, khác {} của {unit_name}",
                number(*children),
                number(*own)
            ),
            Problem::VotersDoNotAddUp { areas, own } => write!(
                f,
                "các khu vực bỏ phiếu có tổng {} cử tri, khác số cử tri {} của đơn vị",
                number(*areas),
                number(*own)
            ),
        }
    }
}

impl Display for bodies::Problem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use bodies::Problem::*;
        match self {
            NoMembers => f.write_str("chưa có thành viên"),
            MembersOutsideRange { count, min, max } => {
                write!(f, "{count} thành viên, ngoài khoảng {min}–{max} luật định")
            }
            NoChair => f.write_str("chưa có trưởng ban"),
            SeveralChairs => f.write_str("có hơn một trưởng ban"),
            DecisionInTheFuture { date: day } => write!(
                f,
                "quyết định đề ngày {} là ngày trong tương lai",
                date(*day)
            ),
            DecisionIncomplete => f.write_str("chưa ghi đủ số và ngày quyết định thành lập"),
            MembersNotListed => f.write_str("chưa nhập danh sách thành viên"),
            MembersNotEntered => {
                f.write_str("đã có quyết định thành lập, chưa nhập danh sách thành viên")
            }
        }
    }
}

impl Display for SizeProblem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            SizeProblem::TooMany { voters } => write!(
                f,
                "{voters} cử tri, vượt quá {MAX_VOTERS} cử tri một khu vực bỏ phiếu"
            ),
            SizeProblem::TooFewForHospital { voters } => write!(
                f,
                "{voters} cử tri: khu vực riêng ở bệnh viện, cơ sở chăm sóc cần ít nhất {MIN_HOSPITAL_VOTERS}"
            ),
            SizeProblem::TooFew { voters } => write!(
                f,
                "{voters} cử tri, ít hơn {MIN_VOTERS} (chỉ được ít hơn ở vùng sâu, vùng xa, miền núi, hải đảo)"
            ),
        }
    }
}
