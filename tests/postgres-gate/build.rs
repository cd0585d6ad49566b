//! Decides at compile time whether the PostgreSQL test variants run: libtest can only
//! skip a test through `#[ignore]`, an attribute, so the choice has to be made before
//! the test binary is built. Cargo re-runs this script (and rebuilds only the test
//! targets, this being a dev-dependency) whenever one of the two variables changes.

fn main() {
    println!("cargo::rerun-if-env-changed=ORGRAPH_TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=ORGRAPH_TEST_REQUIRE_POSTGRES");
    println!("cargo::rustc-check-cfg=cfg(postgres_configured)");
    let url = std::env::var("ORGRAPH_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
    // Required but missing: run the variants anyway so that each fails and says why.
    let required = std::env::var("ORGRAPH_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    if url || required {
        println!("cargo::rustc-cfg=postgres_configured");
    } else {
        println!(
            "cargo::warning=PostgreSQL test variants are ignored: run `scripts/test`, or set ORGRAPH_TEST_DATABASE_URL=postgres://USER@HOST:PORT/DB"
        );
    }
}
