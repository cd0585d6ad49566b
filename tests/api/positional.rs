//! Rows read by position (`db::positional`): a column whose type is not its field's is an
//! error, never a value decoded from another type's bytes, in every row of a statement,
//! whatever the first row holds (PostgreSQL checks each column's type once a statement).

use crate::both;
use crate::fixtures::create_org;
use crate::helpers::*;
use orgraph::db::positional::{self, select_list};
use sea_orm::Statement;

/// The organizations `acme` and `beta`, with `column` replaced by `with` (SQL over `t`).
async fn read_orgs(app: &TestApp, column: &str, with: &str) -> Result<Vec<entity::organization::Model>, sea_orm::DbErr> {
    let db = app.database().await;
    let list = select_list::<entity::organization::Model>("t").replace(&format!("t.{column},"), &format!("{with},"));
    let sql = format!("SELECT {list} FROM organizations t WHERE t.slug IN ('acme', 'beta') ORDER BY t.slug");
    positional::all(&db, Statement::from_string(db.get_database_backend(), sql)).await
}

both!(a_column_of_another_type_is_an_error_in_every_row, |app: TestApp| async move {
    let owner = app.user("owner").await;
    create_org(&owner, "acme").await;
    create_org(&owner, "beta").await;

    let orgs = read_orgs(&app, "name", "t.name").await.expect("the columns of the model read");
    assert_eq!(orgs.iter().map(|o| o.slug.as_str()).collect::<Vec<_>>(), ["acme", "beta"]);

    // A text field read from an integer column.
    let e = read_orgs(&app, "name", "42").await.expect_err("an integer is not a name");
    assert!(e.to_string().contains("column 2"), "{e}");

    // The first row's value is null, the second's an integer: the column is checked, not
    // only the first row's value.
    let e = read_orgs(&app, "description", "CASE WHEN t.slug = 'acme' THEN NULL ELSE 7 END")
        .await
        .expect_err("an integer is not a description");
    assert!(e.to_string().contains("column 3"), "{e}");
});
