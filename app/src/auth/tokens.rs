//! "Tokens de acceso" / "Tokens de acesso" on the account page: the user's access tokens for
//! the REST API (`/api/v1`), listed with their dates in the user's zone; a new one is created
//! with a name and an expiry and shown once; one is revoked after a confirmation. The server
//! functions are thin over `releasedesk_core::commands::tokens`.

use crate::codec::{JsonText, StrictJson};
use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
use crate::time_zone::use_zone;
use crate::widgets::{open_while_some, ConfirmDialog};
use leptos::prelude::*;
use releasedesk_core::model::tokens::{CreatedToken, TokenSummary, MAX_TOKEN_NAME_CHARS, OFFERED_EXPIRIES};

/// The signed-in user's tokens, newest first.
#[server(prefix = "/api", endpoint = "my_tokens", input = StrictJson, output = JsonText)]
pub async fn my_tokens() -> Result<Vec<TokenSummary>, AppError> {
    use releasedesk_core::commands::tokens::list_my_tokens;
    Ok(list_my_tokens(&crate::session::ctx().await?).await?)
}

/// Creates a token of the signed-in user; the answer holds its secret, shown this once.
#[server(prefix = "/api", endpoint = "create_my_token", input = StrictJson, output = JsonText)]
pub async fn create_my_token(name: String, expires_in_days: Option<u32>) -> Result<CreatedToken, AppError> {
    use releasedesk_core::commands::tokens::{create_token, NewToken};
    Ok(create_token(&crate::session::ctx().await?, NewToken { name, expires_in_days }).await?)
}

/// Revokes one of the signed-in user's tokens.
#[server(prefix = "/api", endpoint = "revoke_my_token", input = StrictJson, output = JsonText)]
pub async fn revoke_my_token(id: i64) -> Result<(), AppError> {
    use releasedesk_core::commands::tokens::revoke_token;
    Ok(revoke_token(&crate::session::ctx().await?, id).await?)
}

/// The value of the expiry choice that means "never".
const NEVER: &str = "never";

/// "Tokens de acceso": the list, the creation form, the token just created, the revocation.
#[component]
pub fn TokensSection() -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    let tokens = Resource::new(|| (), |_| my_tokens());
    let name = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::from("90"));
    let create = Action::new(move |(name, expiry): &(String, String)| {
        let days = expiry.parse::<u32>().ok();
        create_my_token(name.clone(), days)
    });
    let created = RwSignal::new(None::<CreatedToken>);
    let failure = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match create.value().get() {
        Some(Ok(token)) => {
            failure.set(None);
            name.set(String::new());
            created.set(Some(token));
            tokens.refetch();
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        create.dispatch((name.get_untracked(), expiry.get_untracked()));
    };
    let revoking = RwSignal::new(None::<TokenSummary>);
    let expiry_label = move |days: Option<u32>| match days {
        Some(days) => view! { {t!(i18n, tokens.days, days)} }.into_any(),
        None => view! { {t!(i18n, tokens.never)} }.into_any(),
    };
    let date = move |seconds: Option<i64>, empty: String| seconds.map_or(empty, |s| zone.format(s));
    let rows = move || {
        tokens.get().map(|loaded| match loaded {
            Ok(list) if list.is_empty() => view! { <p class="muted">{t!(i18n, tokens.none)}</p> }.into_any(),
            Ok(list) => {
                let rows = list
                    .into_iter()
                    .map(|token| {
                        let status = if token.revoked_at.is_some() {
                            t_string!(i18n, tokens.revoked).to_string()
                        } else if token.active {
                            t_string!(i18n, tokens.active).to_string()
                        } else {
                            t_string!(i18n, tokens.expired).to_string()
                        };
                        let active = token.active;
                        let label = format!("{} {}", t_string!(i18n, tokens.revoke), token.name);
                        let subject = token.clone();
                        view! {
                            <tr>
                                <td>{token.name.clone()}</td>
                                <td>{zone.format(token.created_at)}</td>
                                <td>{date(token.expires_at, t_string!(i18n, tokens.never).to_string())}</td>
                                <td>{date(token.last_used_at, t_string!(i18n, tokens.never_used).to_string())}</td>
                                <td>{status}</td>
                                <td>
                                    <Show when=move || active>
                                        <button
                                            type="button"
                                            aria-label=label.clone()
                                            on:click={
                                                let subject = subject.clone();
                                                move |_| revoking.set(Some(subject.clone()))
                                            }
                                        >
                                            {t!(i18n, tokens.revoke)}
                                        </button>
                                    </Show>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="table-wrap">
                    <table>
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, tokens.name)}</th>
                                <th scope="col">{t!(i18n, tokens.created)}</th>
                                <th scope="col">{t!(i18n, tokens.expires)}</th>
                                <th scope="col">{t!(i18n, tokens.last_used)}</th>
                                <th scope="col">{t!(i18n, tokens.status)}</th>
                                <th scope="col"><span class="visually-hidden">{t!(i18n, tokens.revoke)}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    </div>
                }
                .into_any()
            }
            Err(error) => view! { <ErrorAlert error /> }.into_any(),
        })
    };
    view! {
        <section id="tokens" class="narrow-page" aria-labelledby="tokens-title">
            <h2 id="tokens-title">{t!(i18n, tokens.title)}</h2>
            <p class="muted">{t!(i18n, tokens.hint)}</p>
            <Transition>{rows}</Transition>
            <form class="stacked-form" on:submit=on_submit>
                <label for="token-name">{t!(i18n, tokens.name)}</label>
                <input
                    id="token-name"
                    required
                    maxlength=MAX_TOKEN_NAME_CHARS
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <label for="token-expiry">{t!(i18n, tokens.expires)}</label>
                <select id="token-expiry" on:change=move |ev| expiry.set(event_target_value(&ev))>
                    {OFFERED_EXPIRIES
                        .into_iter()
                        .map(|days| {
                            let value = days.map_or(NEVER.to_owned(), |d| d.to_string());
                            let selected = days == Some(90);
                            view! { <option value=value selected=selected>{expiry_label(days)}</option> }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="primary" disabled=move || create.pending().get()>
                    {t!(i18n, tokens.create)}
                </button>
            </form>
            <div aria-live="polite">
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                {move || created.get().map(|token| view! { <CreatedNotice token /> })}
            </div>
            <RevokeDialog revoking on_done=Callback::new(move |()| tokens.refetch()) />
        </section>
    }
}

/// The token just created, shown once in a read-only field that selects itself, with a
/// button that copies it.
#[component]
fn CreatedNotice(token: CreatedToken) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let secret = token.secret.clone();
    let name = token.summary.name.clone();
    view! {
        <div class="notice" role="status">
            <p>{t!(i18n, tokens.created_notice, name = move || name.clone())}</p>
            <label for="token-secret">{t!(i18n, tokens.secret)}</label>
            <input
                id="token-secret"
                readonly
                class="token-secret"
                value=token.secret
                on:focus=move |ev| {
                    use wasm_bindgen::JsCast;
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        input.select();
                    }
                }
            />
            <button type="button" on:click=move |_| copied.set(copy_to_clipboard(&secret))>
                {t!(i18n, tokens.copy)}
            </button>
            <Show when=move || copied.get()>
                <p class="success">{t!(i18n, tokens.copied)}</p>
            </Show>
        </div>
    }
}

/// Asks the browser to copy `text` (`navigator.clipboard.writeText`); whether it was asked.
fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use web_sys::js_sys::{Function, Reflect};
        let write = || -> Option<()> {
            let clipboard = Reflect::get(&window().navigator(), &"clipboard".into()).ok()?;
            let write_text = Reflect::get(&clipboard, &"writeText".into()).ok()?.dyn_into::<Function>().ok()?;
            write_text.call1(&clipboard, &text.into()).ok().map(|_| ())
        };
        write().is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// "Revocar": asks before revoking the token.
#[component]
fn RevokeDialog(revoking: RwSignal<Option<TokenSummary>>, on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(revoking);
    let failure = RwSignal::new(None::<AppError>);
    let run = Action::new(move |id: &i64| revoke_my_token(*id));
    Effect::new(move |_| match run.value().get() {
        Some(Ok(())) => {
            failure.set(None);
            open.set(false);
            on_done.run(());
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let question = move || {
        revoking.get().map(|token| view! { {t!(i18n, tokens.revoke_confirm, name = move || token.name.clone())} })
    };
    view! {
        <ConfirmDialog
            open
            title_id="token-revoke-title"
            title=move || t!(i18n, tokens.revoke)
            question
            failure
            pending=run.pending()
            on_confirm=move |()| {
                if let Some(token) = revoking.get_untracked() {
                    run.dispatch(token.id);
                }
            }
        />
    }
}
