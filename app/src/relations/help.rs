//! "Relacionados" / "Relacionados": the product's help articles in the current language,
//! as the seed pages' "Related" section lists them.

use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn HelpArticles() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="help">
            <article aria-labelledby="help-link-title">
                <h3 id="help-link-title">{t!(i18n, help.link_title)}</h3>
                <ol>
                    <li>{t!(i18n, help.link_1)}</li>
                    <li>{t!(i18n, help.link_2)}</li>
                    <li>{t!(i18n, help.link_3)}</li>
                    <li>{t!(i18n, help.link_4)}</li>
                </ol>
            </article>
            <article aria-labelledby="help-register-title">
                <h3 id="help-register-title">{t!(i18n, help.register_title)}</h3>
                <ol>
                    <li>{t!(i18n, help.register_1)}</li>
                    <li>{t!(i18n, help.register_2)}</li>
                    <li>{t!(i18n, help.register_3)}</li>
                </ol>
            </article>
            <article aria-labelledby="help-execute-title">
                <h3 id="help-execute-title">{t!(i18n, help.execute_title)}</h3>
                <ol>
                    <li>{t!(i18n, help.execute_1)}</li>
                    <li>{t!(i18n, help.execute_2)}</li>
                    <li>{t!(i18n, help.execute_3)}</li>
                    <li>{t!(i18n, help.execute_4)}</li>
                    <li>{t!(i18n, help.execute_5)}</li>
                    <li>{t!(i18n, help.execute_6)}</li>
                </ol>
            </article>
        </div>
    }
}
