//! Just-in-time provisioning (RULES.md §2): the first valid token of an unknown `sub`
//! creates, in one transaction, the user, a personal organization with its owner
//! membership, a team with the user as `admin`, and `First Workspace`. E-mails are
//! unique among verified ones only (migration 000013): an unverified claim is stored as
//! the claimant's, unverified, matches no invitation and never blocks the verified owner.

use crate::authz::{Catalog, CatalogCell, Grants, Scope};
use crate::db::begin_write;
use crate::domain::{Email, Name, Slug};
use crate::error::{AppError, AppResult};
use crate::membership::repo::add_membership;
use entity::{organization, user};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

/// Verified identity claims of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    pub email: Email,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The token's `iat`, when it has one, or when its userinfo profile was read: which of
    /// two tokens is the later.
    pub issued_at: Option<i64>,
}

/// The user a token's claims name: found (its name and e-mail refreshed) or created with
/// its personal organization (a write, counted: `CatalogCell::committed`).
pub async fn provision(db: &DatabaseConnection, catalogs: &CatalogCell, id: &Identity) -> AppResult<user::Model> {
    if let Some(existing) = find_by_sub(db, &id.sub).await? {
        return refresh(db, existing, id).await;
    }
    // Concurrent first requests race on the unique `sub` (and slug) index; the loser
    // retries and finds the winner's user.
    let mut last = AppError::internal("provisioning did not converge");
    for _ in 0..5 {
        match try_provision(db, &catalogs.get(), id).await {
            Ok(u) => {
                catalogs.committed();
                return Ok(u);
            }
            Err(e @ AppError::Conflict { .. }) => last = e,
            Err(e) => return Err(e),
        }
        if let Some(existing) = find_by_sub(db, &id.sub).await? {
            return refresh(db, existing, id).await;
        }
    }
    Err(match last {
        AppError::Conflict { .. } => email_taken(),
        other => other,
    })
}

/// `provision`, with the grants of a known user read in the same statement as the user
/// (`Grants::load_by_sub`); a user provisioned now has none read yet (`None`).
pub async fn provision_with_grants(
    reads: &crate::db::Reads,
    catalogs: &CatalogCell,
    id: &Identity,
) -> AppResult<(user::Model, Option<Grants>)> {
    // Read on the query's connection; a change of claims is written on the pool.
    let db = reads.connection();
    match Grants::load_by_sub(reads, catalogs, &id.sub).await? {
        Some((existing, grants)) => Ok((refresh(db, existing, id).await?, Some(grants))),
        None => Ok((provision(db, catalogs, id).await?, None)),
    }
}

async fn find_by_sub<C: ConnectionTrait>(db: &C, sub: &str) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find().filter(user::Column::Sub.eq(sub)).one(db).await?)
}

/// Whether refreshing `u` with the claims `id` leaves the row as it is (`refresh` writes
/// nothing): claims of a token issued before those the row holds, or the same claims
/// with the mark of their time already set (users from before migration 000021, or
/// provisioned by a token without `iat`, still get it).
pub fn unchanged_by(u: &user::Model, id: &Identity) -> bool {
    let name = id.name.as_ref().or(u.name.as_ref());
    let earlier = matches!((id.issued_at, u.claims_iat), (Some(iat), Some(mark)) if iat < mark);
    let same = u.email == id.email.as_str() && u.name.as_ref() == name && u.email_verified == id.email_verified;
    earlier || (same && (u.claims_iat.is_some() || id.issued_at.is_none()))
}

/// Later tokens update `name` and `email` (RULES.md §2): later by `iat`, so a token issued
/// before the one that last changed them (another tab's, still valid) does not put back
/// what the identity provider has since changed — an e-mail the user lost would bring its
/// invitations back (§9.7). Claims read from userinfo count as issued when they were read
/// (`Identity::issued_at`). A token without `iat` updates them as before, and does not
/// move the mark. The condition is in the statement:
/// of two racing tokens the earlier never writes over the later.
async fn refresh(db: &DatabaseConnection, u: user::Model, id: &Identity) -> AppResult<user::Model> {
    use sea_orm::sea_query::Expr;
    if unchanged_by(&u, id) {
        return Ok(u);
    }
    let name = id.name.clone().or(u.name.clone());
    let changed = user::Model {
        email: id.email.as_str().to_string(),
        email_verified: id.email_verified,
        name,
        claims_iat: id.issued_at.or(u.claims_iat),
        ..u
    };
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::Email, Expr::value(changed.email.clone()))
        .col_expr(user::Column::EmailVerified, Expr::value(changed.email_verified))
        .col_expr(user::Column::Name, Expr::value(changed.name.clone()))
        .col_expr(sea_orm::sea_query::Alias::new(SEARCH_NAME), Expr::value(search_name(changed.name.as_deref())))
        .filter(user::Column::Id.eq(changed.id));
    if let Some(iat) = id.issued_at {
        update = update
            .col_expr(user::Column::ClaimsIat, Expr::value(iat))
            .filter(Condition::any().add(user::Column::ClaimsIat.is_null()).add(user::Column::ClaimsIat.lte(iat)));
    }
    match update.exec(db).await.map_err(AppError::from) {
        Ok(done) if done.rows_affected > 0 => Ok(changed),
        // A later token's claims got there first: the row as it stands.
        Ok(_) => user::Entity::find_by_id(changed.id).one(db).await?.ok_or(AppError::Unauthenticated("unknown user".into())),
        // The new e-mail is another account's verified one (unique over verified e-mails
        // only: an unverified claim never blocks anyone, RULES.md §2).
        Err(AppError::Conflict { .. }) => Err(email_taken()),
        Err(e) => Err(e),
    }
}

/// `users.search_name`, kept beside the name it folds (migration 000023): written where
/// the name is, read only by the member search (not part of the entity, so no read of a
/// user carries it).
const SEARCH_NAME: &str = "search_name";

fn search_name(name: Option<&str>) -> String {
    migration::search::fold(name.unwrap_or_default())
}

fn email_taken() -> AppError {
    AppError::Unauthenticated("the token's e-mail belongs to another account".into())
}

async fn try_provision(db: &DatabaseConnection, catalog: &Catalog, id: &Identity) -> AppResult<user::Model> {
    #[expect(clippy::disallowed_methods, reason = "provisioning runs before the request context exists")]
    let txn = begin_write(db).await?;
    if let Some(existing) = find_by_sub(&txn, &id.sub).await? {
        txn.commit().await?;
        return Ok(existing);
    }
    let now = crate::db::now();
    let u = user::Model {
        id: Uuid::now_v7(),
        sub: id.sub.clone(),
        email: id.email.as_str().to_string(),
        email_verified: id.email_verified,
        name: id.name.clone(),
        created_at: now,
        claims_iat: id.issued_at,
    };
    user::Entity::insert(u.clone().into_active_model()).exec_without_returning(&txn).await?;
    user::Entity::update_many()
        .col_expr(sea_orm::sea_query::Alias::new(SEARCH_NAME), sea_orm::sea_query::Expr::value(search_name(u.name.as_deref())))
        .filter(user::Column::Id.eq(u.id))
        .exec(&txn)
        .await?;

    let slug = free_personal_slug(&txn, &Slug::personal_base(id.email.local_part())).await?;
    let org = organization::Model {
        id: Uuid::now_v7(),
        slug: slug.clone(),
        name: slug,
        description: None,
        contact_email: None,
        contact_phone: None,
        location: None,
        personal: true,
        role_preset: "DEFAULT".into(),
        owner_id: u.id,
        created_at: now,
    };
    organization::Entity::insert(org.clone().into_active_model()).exec_without_returning(&txn).await?;
    let owner = catalog.builtin("builtin", Scope::Organization, "owner")?;
    add_membership(&txn, u.id, Scope::Organization, org.id, org.id, None, None, &owner).await?;

    let team_name = Name::derived(id.name.as_deref().unwrap_or(""), id.email.local_part());
    crate::team::service::insert_team(&txn, &*catalog.builtin("builtin", Scope::Team, "admin")?, org.id, team_name, u.id).await?;
    txn.commit().await?;
    Ok(u)
}

/// The base slug, or `base-N` with the smallest free N ≥ 2, the base cut so that the slug
/// stays within 16 characters (RULES.md §4: past `-999` a 12-character base made 17).
async fn free_personal_slug<C: ConnectionTrait>(db: &C, base: &str) -> AppResult<String> {
    // Every candidate is the base, or a cut of it (at least 8 characters: `-N` of up to 7
    // digits) followed by `-`.
    let mut taken_if = sea_orm::Condition::any().add(organization::Column::Slug.eq(base));
    for keep in (8..=base.chars().count()).chain([base.chars().count()]) {
        let cut: String = base.chars().take(keep).collect();
        taken_if = taken_if.add(organization::Column::Slug.starts_with(format!("{cut}-")));
    }
    let taken: foldhash::HashSet<String> =
        organization::Entity::find().filter(taken_if).all(db).await?.into_iter().map(|o| o.slug).collect();
    if !taken.contains(base) {
        return Ok(base.to_string());
    }
    let candidate = |n: u32| {
        let suffix = format!("-{n}");
        let kept: String = base.chars().take(Slug::MAX - suffix.len()).collect();
        format!("{kept}{suffix}")
    };
    Ok((2..).map(candidate).find(|s| !taken.contains(s)).unwrap_or_else(|| candidate(2)))
}
