use crate::by_id_loader;

by_id_loader!(ProjectById, entity::project, entity::project::Model);
