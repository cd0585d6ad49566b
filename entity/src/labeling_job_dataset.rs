use sea_orm::entity::prelude::*;

/// A dataset a labeling job covers, with everything below it. No foreign key to
/// `datasets`: a dataset in the trash is not covered (reads join `datasets`) and is
/// covered again once restored under the same id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "labeling_job_datasets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub dataset_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
