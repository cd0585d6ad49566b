//! API tokens by id; `schema.rs` keeps only the viewer's own.

crate::by_id_loader!(ApiTokenById, entity::api_token, entity::api_token::Model);
