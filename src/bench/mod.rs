//! Benchmarks behind `orgraph bench-*` commands: they build their own fixture in a
//! database of their own and print what they measure; product code never calls them.

pub mod authz;
