//! Who reviews a task: the province's officers (and administrators) within their scope; and, where
//! the province delegated it for an election, a district's officers for the tasks of that
//! district's communes (never the district's own, which the province still reviews).

use chrono::{DateTime, FixedOffset};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};
use crate::auth::{Role, Scope};

/// A user as a reviewer in one election.
pub struct Reviewer<'a> {
    scope: &'a Scope,
    /// For a district officer: whether the province delegated review to their district.
    delegated: bool,
}

impl<'a> Reviewer<'a> {
    /// The user's review rights in `election_id`, read from the delegations.
    pub async fn of(
        pool: &PgPool,
        scope: &'a Scope,
        election_id: i64,
    ) -> sqlx::Result<Reviewer<'a>> {
        let delegated = match (scope.role, scope.unit_id()) {
            (Role::DistrictOfficer, Some(district)) => {
                is_delegated(pool, election_id, district).await?
            }
            _ => false,
        };
        Ok(Reviewer { scope, delegated })
    }

    /// Whether this user may approve or return a task of the unit with these ancestors (the
    /// unit itself last).
    pub fn may_review(&self, unit_ancestors: &[i64]) -> bool {
        match self.scope.role {
            Role::Admin | Role::ProvinceOfficer => self.scope.covers(unit_ancestors),
            Role::DistrictOfficer => {
                self.delegated
                    && self.scope.covers(unit_ancestors)
                    && unit_ancestors.last().copied() != self.scope.unit_id()
            }
            Role::SteeringMember | Role::CommuneOfficer | Role::AgencyOfficer => false,
        }
    }

    /// Whether the user reviews anything at all: a district officer only once delegated.
    pub fn reviews(&self) -> bool {
        match self.scope.role {
            Role::Admin | Role::ProvinceOfficer => true,
            Role::DistrictOfficer => self.delegated,
            Role::SteeringMember | Role::CommuneOfficer | Role::AgencyOfficer => false,
        }
    }

    /// Whether the user's queue holds only the units below theirs (a district's communes).
    pub fn only_below(&self) -> bool {
        self.scope.role == Role::DistrictOfficer
    }
}

pub async fn is_delegated(pool: &PgPool, election_id: i64, district_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM review_delegations WHERE election_id = $1 AND district_id = $2) AS "is!""#,
        election_id,
        district_id
    )
    .fetch_one(pool)
    .await
}

/// The districts directly below `parent` to which review is delegated in the election.
pub async fn delegated_below(
    pool: &PgPool,
    election_id: i64,
    parent: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT d.district_id FROM review_delegations d JOIN units u ON u.id = d.district_id
          WHERE d.election_id = $1 AND u.parent_id = $2",
        election_id,
        parent
    )
    .fetch_all(pool)
    .await
}

/// Delegates review to a district, or withdraws it; audited when it changes anything.
pub async fn set(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    election_id: i64,
    district_id: i64,
    delegated: bool,
) -> sqlx::Result<()> {
    let changed = if delegated {
        sqlx::query!(
            "INSERT INTO review_delegations (election_id, district_id, granted_by, granted_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            election_id,
            district_id,
            actor.user_id,
            now
        )
        .execute(&mut *conn)
        .await?
    } else {
        sqlx::query!(
            "DELETE FROM review_delegations WHERE election_id = $1 AND district_id = $2",
            election_id,
            district_id
        )
        .execute(&mut *conn)
        .await?
    };
    if changed.rows_affected() == 0 {
        return Ok(());
    }
    let action = if delegated {
        "review.delegated"
    } else {
        "review.delegation_withdrawn"
    };
    let event = Event::new(action)
        .object("election", election_id)
        .unit(district_id);
    audit::record(conn, actor, now, event).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(role: Role, unit: &[i64]) -> Scope {
        Scope {
            role,
            unit_ancestors: unit.to_vec(),
        }
    }

    #[test]
    fn a_district_reviews_its_communes_only_when_delegated_and_never_itself() {
        // Province 1, district 2 with commune 4; district 3 with commune 6.
        let scope = scope(Role::DistrictOfficer, &[1, 2]);
        let delegated = Reviewer {
            scope: &scope,
            delegated: true,
        };
        assert!(delegated.may_review(&[1, 2, 4]));
        assert!(
            !delegated.may_review(&[1, 2]),
            "its own tasks stay with the province"
        );
        assert!(
            !delegated.may_review(&[1, 3, 6]),
            "another district's commune"
        );
        let not = Reviewer {
            scope: &scope,
            delegated: false,
        };
        assert!(!not.may_review(&[1, 2, 4]) && !not.reviews());
        let province_scope = super::tests::scope(Role::ProvinceOfficer, &[1]);
        let province = Reviewer {
            scope: &province_scope,
            delegated: false,
        };
        assert!(province.may_review(&[1]) && province.may_review(&[1, 2, 4]));
        let steering = super::tests::scope(Role::SteeringMember, &[1]);
        assert!(
            !Reviewer {
                scope: &steering,
                delegated: true
            }
            .may_review(&[1, 2, 4])
        );
    }
}
