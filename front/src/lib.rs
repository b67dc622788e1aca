//! The browser's entry point: `app` hydrating the page the server rendered. Everything else is
//! in `app`; this crate exists so that the wasm is linked with LTO (see Cargo.toml).

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    app::hydrate();
}
