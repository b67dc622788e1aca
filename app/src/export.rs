//! Files the pages offer for download (the logs as CSV): what goes into a cell, the
//! "Exportar CSV" button, and how the browser saves the file. Shared by the features that
//! export.

use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
use leptos::prelude::*;

pub use releasedesk_core::spreadsheet::inert;

/// "Exportar CSV": asks the server for the CSV in the page's language (`fetch("es" | "pt")`)
/// and saves it as `file_name`; a failure is shown beside the button.
#[component]
pub fn CsvExportButton<F, Fut>(fetch: F, #[prop(into)] file_name: Signal<String>) -> impl IntoView
where
    F: Fn(&'static str) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<String, AppError>> + Send + 'static,
{
    let i18n = use_i18n();
    let failure = RwSignal::new(None::<AppError>);
    let export = Action::new(move |language: &&'static str| {
        let csv = fetch(language);
        async move {
            let csv = csv.await?;
            save_file(&file_name.get_untracked(), &csv);
            Ok::<(), AppError>(())
        }
    });
    Effect::new(move |_| {
        if let Some(result) = export.value().get() {
            failure.set(result.err());
        }
    });
    view! {
        <button
            type="button"
            disabled=move || export.pending().get()
            on:click=move |_| {
                export.dispatch(match i18n.get_locale() {
                    Locale::pt => "pt",
                    Locale::es => "es",
                });
            }
        >
            {t!(i18n, log.export)}
        </button>
        {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
    }
}

/// Offers `content` to the browser as a download named `name`.
fn save_file(name: &str, content: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys_array(content);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/csv;charset=utf-8");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
        if let Some(link) =
            document().create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            link.set_href(&url);
            link.set_download(name);
            link.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, content);
}

#[cfg(feature = "hydrate")]
fn js_sys_array(content: &str) -> wasm_bindgen::JsValue {
    // A byte-order mark first, so spreadsheets read the accents as UTF-8.
    let parts = web_sys::js_sys::Array::new();
    parts.push(&wasm_bindgen::JsValue::from_str(&format!("\u{feff}{content}")));
    parts.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_typed_by_users_stay_text() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("-1"), "'-1");
        assert_eq!(inert("Despliegue OK"), "Despliegue OK");
    }
}
