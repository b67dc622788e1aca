//! `sqlx::migrate!` embeds the migrations when this crate compiles; cargo does not know it
//! reads them, so a changed or added migration alone would leave a build with the old ones.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
