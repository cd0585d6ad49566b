//! Whether orgraph's PostgreSQL test variants run, fixed when the tests are compiled
//! (see `build.rs`): with `ORGRAPH_TEST_DATABASE_URL` (or `ORGRAPH_TEST_REQUIRE_POSTGRES=1`)
//! set they run; otherwise libtest lists them as ignored, with a reason saying how to run
//! them, instead of counting a test that returned early as passed.

/// Whether the PostgreSQL variants were compiled to run.
pub const CONFIGURED: bool = cfg!(postgres_configured);

/// Wraps one test function that needs PostgreSQL: unchanged when PostgreSQL is
/// configured, marked `#[ignore]` (with a reason libtest prints) when it is not.
#[cfg(postgres_configured)]
#[macro_export]
macro_rules! gated {
    ($($test:tt)*) => { $($test)* };
}

/// Wraps one test function that needs PostgreSQL: unchanged when PostgreSQL is
/// configured, marked `#[ignore]` (with a reason libtest prints) when it is not.
#[cfg(not(postgres_configured))]
#[macro_export]
macro_rules! gated {
    ($($test:tt)*) => {
        #[ignore = "PostgreSQL not configured: run scripts/test, or set ORGRAPH_TEST_DATABASE_URL"]
        $($test)*
    };
}
