//! Capability grants by id; `schema.rs` keeps only those the viewer sees.

crate::by_id_loader!(CapabilityGrantById, entity::capability_grant, entity::capability_grant::Model);
