//! Small accessible building blocks shared by the features: a modal dialog, a dialog that
//! asks to confirm an action, and a menu button. They carry no text of their own but the
//! confirmation's Confirm and Cancel; callers pass translated labels.

use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
use leptos::html;
use leptos::prelude::*;

/// A modal dialog on the native `<dialog>`: the browser traps focus inside, closes it on
/// Escape and returns focus to where it was. `open` shows and hides it.
#[component]
pub fn Modal(
    open: RwSignal<bool>,
    /// The id of the element that names the dialog (usually its heading).
    labelled_by: &'static str,
    #[prop(optional)] class: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let Some(element) = dialog.get() else { return };
        if open.get() {
            show_once_in_document(element, open);
        } else if element.open() {
            element.close();
        }
    });
    view! {
        <dialog
            node_ref=dialog
            class=format!("modal {class}")
            aria-labelledby=labelled_by
            on:close=move |_| open.set(false)
        >
            <Show when=move || open.get()>{children()}</Show>
        </dialog>
    }
}

/// Shows `element` as a modal dialog, from the next frame on if it is not in the document
/// yet (a dialog whose code loaded lazily is built before it is placed), while `open` holds.
fn show_once_in_document(element: web_sys::HtmlDialogElement, open: RwSignal<bool>) {
    if open.try_get_untracked() != Some(true) || element.open() {
        return;
    }
    if element.is_connected() {
        let _ = element.show_modal();
    } else {
        request_animation_frame(move || show_once_in_document(element, open));
    }
}

/// A [`Modal`] that asks whether to go on with an action: its title, its question, why the
/// last attempt failed, and Confirm (which runs `on_confirm`) and Cancel.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    /// The id of the dialog's heading.
    title_id: &'static str,
    #[prop(into)] title: ViewFn,
    #[prop(into)] question: ViewFn,
    failure: RwSignal<Option<AppError>>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Modal open labelled_by=title_id>
            <h2 id=title_id>
                {
                    let title = title.clone();
                    move || title.run()
                }
            </h2>
            <p>
                {
                    let question = question.clone();
                    move || question.run()
                }
            </p>
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
            <div class="dialog-actions">
                <button type="button" class="primary" disabled=move || pending.get() on:click=move |_| on_confirm.run(())>
                    {t!(i18n, dialog.confirm)}
                </button>
                <button type="button" on:click=move |_| open.set(false)>
                    {t!(i18n, dialog.cancel)}
                </button>
            </div>
        </Modal>
    }
}

/// The `open` signal of a [`Modal`] shown while `subject` holds something (the record a form
/// edits, the change a dialog confirms): setting `subject` opens it, and closing it (Cancel,
/// Escape, done) clears `subject`.
pub fn open_while_some<T: Send + Sync + 'static>(subject: RwSignal<Option<T>>) -> RwSignal<bool> {
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        let some = subject.with(Option::is_some);
        if open.get_untracked() != some {
            open.set(some);
        }
    });
    Effect::new(move |_| {
        if !open.get() && subject.with_untracked(Option::is_some) {
            subject.set(None);
        }
    });
    open
}

/// A fieldset of checkboxes, one per option (its value and its label), that keeps `chosen`
/// holding the values checked. `id_of` gives each box's element id.
#[component]
pub fn Checkboxes<T>(
    #[prop(into)] legend: Signal<String>,
    #[prop(into)] options: Signal<Vec<(T, String)>>,
    chosen: RwSignal<Vec<T>>,
    id_of: fn(T) -> String,
) -> impl IntoView
where
    T: Copy + Eq + std::hash::Hash + Send + Sync + 'static,
{
    view! {
        <fieldset class="checkboxes">
            <legend>{move || legend.get()}</legend>
            <For each=move || options.get() key=|(value, label)| (*value, label.clone()) let:option>
                {
                    let (value, label) = option;
                    let id = id_of(value);
                    view! {
                        <div class="checkbox">
                            <input
                                type="checkbox"
                                id=id.clone()
                                prop:checked=move || chosen.with(|c| c.contains(&value))
                                on:change=move |ev| {
                                    let checked = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|v| *v != value);
                                        if checked {
                                            c.push(value);
                                        }
                                    });
                                }
                            />
                            <label for=id>{label}</label>
                        </div>
                    }
                }
            </For>
        </fieldset>
    }
}

/// One entry of a [`MenuButton`].
#[derive(Clone, Copy)]
pub struct MenuEntry {
    pub label: Signal<String>,
    pub on_select: Callback<()>,
}

/// A button that opens a menu of actions (role menu, items role menuitem), operable with
/// the keyboard: arrows move, Escape closes and returns to the button.
#[component]
pub fn MenuButton(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] id: String,
    entries: Vec<MenuEntry>,
    #[prop(into, optional)] disabled: Signal<bool>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Ul>::new();
    let items = move || menu.get().and_then(|m| m.query_selector_all("[role=menuitem]").ok());
    let focus_item = move |index: i32| {
        if let Some(list) = items() {
            let count = list.length() as i32;
            if count == 0 {
                return;
            }
            let index = index.rem_euclid(count) as u32;
            if let Some(node) = list.item(index) {
                use wasm_bindgen::JsCast;
                if let Ok(element) = node.dyn_into::<web_sys::HtmlElement>() {
                    let _ = element.focus();
                }
            }
        }
    };
    let current_index = move || -> i32 {
        let (Some(list), Some(active)) = (items(), document().active_element()) else { return -1 };
        (0..list.length())
            .find(|i| list.item(*i).is_some_and(|node| node.is_same_node(Some(active.as_ref()))))
            .map_or(-1, |i| i as i32)
    };
    let close = move || {
        open.set(false);
        if let Some(b) = button.get() {
            let _ = b.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "ArrowDown" => {
            ev.prevent_default();
            focus_item(current_index() + 1);
        }
        "ArrowUp" => {
            ev.prevent_default();
            focus_item(current_index() - 1);
        }
        "Home" => focus_item(0),
        "End" => focus_item(-1),
        _ => {}
    };
    let menu_id = format!("{id}-menu");
    view! {
        <div class="menu-button" on:keydown=on_keydown>
            <button
                type="button"
                id=id.clone()
                node_ref=button
                aria-haspopup="menu"
                aria-controls=menu_id.clone()
                aria-expanded=move || open.get().to_string()
                disabled=move || disabled.get()
                on:click=move |_| {
                    open.update(|o| *o = !*o);
                    if open.get_untracked() {
                        request_animation_frame(move || focus_item(0));
                    }
                }
            >
                {move || label.get()}
                <span aria-hidden="true">" ▾"</span>
            </button>
            // The items exist only while the menu is open: a closed menu (one in every row of the
            // list) renders and hydrates one empty element.
            <ul role="menu" id=menu_id node_ref=menu class="menu" aria-labelledby=id hidden=move || !open.get()>
                {move || {
                    open.get()
                        .then(|| {
                            entries
                                .iter()
                                .map(|&MenuEntry { label, on_select }| {
                                    view! {
                                        <li role="none">
                                            <button
                                                type="button"
                                                role="menuitem"
                                                tabindex="-1"
                                                on:click=move |_| {
                                                    open.set(false);
                                                    on_select.run(());
                                                }
                                            >
                                                {move || label.get()}
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </ul>
        </div>
    }
}
