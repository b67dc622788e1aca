// The locale files are read by `load_locales!` at compile time; rebuild when they change.
fn main() {
    println!("cargo::rerun-if-changed=locales");
}
