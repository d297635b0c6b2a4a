//! The chain's head published outside the database. Each time the sealer chains new records, the
//! newest seal (its record's number and the chain's hash there) is appended to a file in the
//! data folder and to the log. Whoever can rewrite the database can rewrite a record and chain
//! everything after it again, so the chain alone would verify; the heads recorded earlier,
//! outside their reach, then no longer match.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use sqlx::PgPool;

/// The file in the data folder the server appends heads to.
pub const FILE_NAME: &str = "audit-heads.log";

/// The newest seal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub audit_id: i64,
    pub seal: Vec<u8>,
}

impl Head {
    pub fn hex(&self) -> String {
        self.seal.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// One line of the heads file: number, hash, time.
    fn line(&self, at: DateTime<FixedOffset>) -> String {
        format!("{} {} {}\n", self.audit_id, self.hex(), at.to_rfc3339())
    }

    /// A line of the heads file, read back: number and hash.
    fn parse(line: &str) -> Option<Head> {
        let mut parts = line.split_whitespace();
        let audit_id = parts.next()?.parse().ok()?;
        let hex = parts.next()?;
        let seal = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Head { audit_id, seal })
    }
}

/// The chain's head now, if anything is chained.
pub async fn current(pool: &PgPool) -> sqlx::Result<Option<Head>> {
    let row = sqlx::query!(
        r#"SELECT audit_id, seal AS "seal!" FROM audit_seal ORDER BY audit_id DESC LIMIT 1"#
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Head {
        audit_id: r.audit_id,
        seal: r.seal,
    }))
}

/// Appends `head` to the heads file at `path` and to the log.
pub fn publish(path: &Path, head: &Head, at: DateTime<FixedOffset>) -> std::io::Result<()> {
    tracing::info!(audit_id = head.audit_id, hash = %head.hex(), "audit chain head");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(head.line(at).as_bytes())
}

/// What comparing the chain with the heads recorded outside it found.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadsVerdict {
    /// Every recorded head is still in the chain, with the same hash.
    Matching { heads: usize },
    /// The chain at this record no longer has the hash recorded for it: it was rewritten.
    Rewritten { audit_id: i64 },
    /// This line of the file is not a head.
    Unreadable { line: usize },
}

impl std::fmt::Display for HeadsVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadsVerdict::Matching { heads } => {
                write!(
                    f,
                    "Chuỗi khớp với {heads} đầu chuỗi đã ghi ra ngoài cơ sở dữ liệu."
                )
            }
            HeadsVerdict::Rewritten { audit_id } => write!(
                f,
                "Chuỗi đã bị viết lại: tại bản ghi số {audit_id}, mã băm không còn khớp với đầu chuỗi đã ghi."
            ),
            HeadsVerdict::Unreadable { line } => {
                write!(f, "Dòng {line} của tệp đầu chuỗi không đọc được.")
            }
        }
    }
}

/// Compares the chain with every head in `recorded` (the heads file's text).
pub async fn check(pool: &PgPool, recorded: &str) -> sqlx::Result<HeadsVerdict> {
    let mut heads = 0;
    for (index, line) in recorded.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some(head) = Head::parse(line) else {
            return Ok(HeadsVerdict::Unreadable { line: index + 1 });
        };
        let seal = sqlx::query_scalar!(
            "SELECT seal FROM audit_seal WHERE audit_id = $1",
            head.audit_id
        )
        .fetch_optional(pool)
        .await?;
        if seal.as_ref() != Some(&head.seal) {
            return Ok(HeadsVerdict::Rewritten {
                audit_id: head.audit_id,
            });
        }
        heads += 1;
    }
    Ok(HeadsVerdict::Matching { heads })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back_as_the_head_it_was_written_from() {
        let head = Head {
            audit_id: 42,
            seal: vec![0, 1, 0xab, 0xff],
        };
        let at = DateTime::parse_from_rfc3339("2021-04-20T08:00:00+07:00").unwrap();
        let line = head.line(at);
        assert_eq!(line, "42 0001abff 2021-04-20T08:00:00+07:00\n");
        assert_eq!(Head::parse(&line), Some(head));
        assert_eq!(Head::parse("42 0g"), None);
        assert_eq!(Head::parse("x 00"), None);
    }
}
