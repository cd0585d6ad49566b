#![allow(unused_imports)]
use crate::helpers::*;
use serde_json::json;
