//! "Adjuntos" / "Anexos": the files of a release (a tab beside the relations) and of its
//! manual occurrences (in the execution log): upload by button or by dropping a file, with
//! its progress; thumbnails of images; download; removal for whoever may change the release.
//! Uploads go to the plain route of `routes` (the body is the file); listing and removal are
//! server functions (`api`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod routes;

use crate::domain::ReleaseId;
use crate::error::{AppError, Error};
use crate::i18n::*;
use crate::language::{megabytes, ErrorAlert};
use crate::time_zone::use_zone;
use crate::widgets::ConfirmDialog;
use api::{list_attachments, remove_attachment, upload_path, AttachmentSummary, ReleaseAttachments};
use leptos::prelude::*;

pub use releasedesk_core::model::attachments::ROUTE_PREFIX as UPLOAD_PREFIX;

/// The files of a release, reloaded when `version` changes.
pub type AttachmentsResource = Resource<Result<ReleaseAttachments, AppError>>;

/// The release's files, made in the browser only (the panels appear once the page has
/// hydrated: a resource made inside another's Transition during hydration can take that
/// one's server data).
pub fn attachments_resource(release: ReleaseId, version: RwSignal<usize>) -> AttachmentsResource {
    Resource::new(move || (release, version.get()), |(id, _)| list_attachments(id))
}

/// The "Adjuntos" tab: the release's own files (not its occurrences'), and the upload.
#[component]
pub fn ReleaseAttachmentsPanel(release: ReleaseId, #[prop(optional)] on_change: Option<Callback<()>>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Show when=move || hydrated.get()>
            {
                let version = RwSignal::new(0usize);
                let files = attachments_resource(release, version);
                let changed = Callback::new(move |_: ()| {
                    version.update(|v| *v += 1);
                    if let Some(on_change) = on_change {
                        on_change.run(());
                    }
                });
                view! { <AttachmentList release occurrence=None files changed /> }
            }
        </Show>
    }
}

/// The files of one manual occurrence, and its upload: in the execution log's row.
#[component]
pub fn OccurrenceAttachments(
    release: ReleaseId,
    occurrence: i64,
    files: AttachmentsResource,
    changed: Callback<()>,
) -> impl IntoView {
    view! { <AttachmentList release occurrence=Some(occurrence) files changed /> }
}

/// Files of the release (`occurrence` `None`) or of one occurrence, as a list with their
/// thumbnails, download links and removal, and the upload when the user may attach.
#[component]
fn AttachmentList(
    release: ReleaseId,
    occurrence: Option<i64>,
    files: AttachmentsResource,
    changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    let to_remove = RwSignal::new(None::<(i64, String)>);
    let confirm_open = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    // The last upload's file name (`Some(name)`) or a removal (`None`), announced.
    let notice = RwSignal::new(None::<Option<String>>);
    let remove = Action::new(move |id: &i64| remove_attachment(release, *id));
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => {
            confirm_open.set(false);
            notice.set(Some(None));
            changed.run(());
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let uploaded = Callback::new(move |name: String| {
        notice.set(Some(Some(name)));
        changed.run(());
    });
    // The upload stays while the files reload (after every upload): replacing it would take
    // away the input under a file dialog the user opened meanwhile, and the file they chose
    // there would go nowhere.
    let upload_limit = Memo::new(move |_| {
        files.with(|answer| match answer {
            Some(Ok(loaded)) if loaded.may_edit => Some(loaded.max_bytes),
            _ => None,
        })
    });
    let caption = move || match occurrence {
        Some(_) => t_string!(i18n, attachments.of_occurrence).to_owned(),
        None => t_string!(i18n, attachments.caption).to_owned(),
    };
    view! {
        <div class="attachments">
            {move || {
                files
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                        Ok(loaded) => {
                            let may_edit = loaded.may_edit;
                            let shown: Vec<AttachmentSummary> =
                                loaded.attachments.into_iter().filter(|a| a.occurrence == occurrence).collect();
                            let empty = shown.is_empty();
                            view! {
                                <Show when=move || !empty || occurrence.is_none()>
                                    <ul class="attachment-list" aria-label=caption>
                                        {shown
                                            .iter()
                                            .cloned()
                                            .map(|file| {
                                                let (id, name) = (file.id, file.name.clone());
                                                view! {
                                                    <li>
                                                        <AttachmentItem file zone />
                                                        <Show when=move || may_edit>
                                                            {
                                                                let (name, label_name) = (name.clone(), name.clone());
                                                                view! {
                                                                    <button
                                                                        type="button"
                                                                        aria-label=move || format!("{} {label_name}", t_string!(i18n, attachments.remove))
                                                                        on:click={
                                                                            let name = name.clone();
                                                                            move |_| {
                                                                                failure.set(None);
                                                                                to_remove.set(Some((id, name.clone())));
                                                                                confirm_open.set(true);
                                                                            }
                                                                        }
                                                                    >
                                                                        {t!(i18n, attachments.remove)}
                                                                    </button>
                                                                }
                                                            }
                                                        </Show>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                    <Show when=move || empty>
                                        <p class="muted">{t!(i18n, attachments.none)}</p>
                                    </Show>
                                </Show>
                            }
                                .into_any()
                        }
                    })
            }}
            {move || upload_limit.get().map(|max_bytes| view! { <Uploader release occurrence max_bytes uploaded /> })}
            {move || {
                notice
                    .get()
                    .map(|done| {
                        let said = match done {
                            Some(name) => view! { {t!(i18n, attachments.uploaded, name = move || name.clone())} }.into_any(),
                            None => view! { {t!(i18n, attachments.removed)} }.into_any(),
                        };
                        view! { <p class="success" role="status">{said}</p> }
                    })
            }}
        </div>
        <ConfirmDialog
            open=confirm_open
            title_id="remove-attachment-title"
            title=move || t!(i18n, attachments.remove_title)
            question=move || {
                t!(i18n, attachments.remove_question, name = move || to_remove.get().map(|(_, name)| name).unwrap_or_default())
            }
            failure
            pending=remove.pending()
            on_confirm=move |()| {
                if let Some((id, _)) = to_remove.get_untracked() {
                    remove.dispatch(id);
                }
            }
        />
    }
}

/// One file: its thumbnail when it is an image, its name as the download link, its type,
/// size, who attached it and when.
#[component]
fn AttachmentItem(file: AttachmentSummary, zone: crate::time_zone::Zone) -> impl IntoView {
    let i18n = use_i18n();
    let href = file.download_path();
    let thumbnail = file.is_image().then(|| {
        let (src, name) = (href.clone(), file.name.clone());
        view! { <img class="thumbnail" src=src alt=move || format!("{} {name}", t_string!(i18n, attachments.preview)) /> }
    });
    let at = file.uploaded_at;
    view! {
        {thumbnail}
        <a href=href download=file.name.clone() class="attachment-name">{file.name.clone()}</a>
        <span class="attachment-meta">
            {file.media_type} " · " {size_text(file.size)} " · " {file.uploaded_by} " · " {move || zone.format(at)}
        </span>
    }
}

/// A size as people read it: "12 KB", "3.4 MB".
fn size_text(bytes: i64) -> String {
    let bytes = u64::try_from(bytes).unwrap_or_default();
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{} MB", megabytes(bytes))
    }
}

/// "Adjuntar archivo": a file chosen with the button or dropped on the area, sent with its
/// progress shown; a file over `max_bytes` is refused before it is sent.
#[component]
fn Uploader(release: ReleaseId, occurrence: Option<i64>, max_bytes: u64, uploaded: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let input_id = match occurrence {
        Some(entry) => format!("attach-occurrence-{entry}"),
        None => "attach-release".to_owned(),
    };
    let progress = RwSignal::new(None::<(String, u8)>);
    let failure = RwSignal::new(None::<AppError>);
    let dragging = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let finished = Callback::new(move |result: Result<AttachmentSummary, AppError>| {
        progress.set(None);
        if let Some(element) = input.get_untracked() {
            element.set_value("");
        }
        match result {
            Ok(file) => uploaded.run(file.name),
            Err(error) => failure.set(Some(error)),
        }
    });
    let start = move |file: Option<web_sys::File>| {
        let Some(file) = file else { return };
        failure.set(None);
        let size = file.size();
        if size > max_bytes as f64 {
            failure.set(Some(AppError::from(Error::FileTooLarge { max_bytes })));
            return;
        }
        let name = file.name();
        progress.set(Some((name.clone(), 0)));
        // Checked here too: the server refuses a file over the limit before reading it and
        // may close the connection while the browser still sends, so no answer would come.
        send_file(file, upload_path(release, occurrence, &name), progress, finished);
    };
    let label = move || match occurrence {
        Some(_) => t_string!(i18n, attachments.attach_to_occurrence).to_owned(),
        None => t_string!(i18n, attachments.attach).to_owned(),
    };
    view! {
        <div
            class="drop-zone"
            class:dragging=move || dragging.get()
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(false);
                start(ev.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0)));
            }
        >
            <label for=input_id.clone()>{label}</label>
            <input
                id=input_id
                type="file"
                node_ref=input
                disabled=move || progress.get().is_some()
                on:change=move |_| start(input.get_untracked().and_then(|i| i.files()).and_then(|files| files.get(0)))
            />
            <span class="muted">
                {t!(i18n, attachments.drop)} " · " {t!(i18n, attachments.limit, megabytes = move || megabytes(max_bytes))}
            </span>
            {move || {
                progress
                    .get()
                    .map(|(name, percent)| {
                        view! {
                            <label class="upload-progress">
                                <span>{t!(i18n, attachments.uploading, name = move || name.clone())}</span>
                                <progress max="100" value=percent.to_string()>{format!("{percent} %")}</progress>
                            </label>
                        }
                    })
            }}
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
        </div>
    }
}

/// Sends `file` as the body of a POST to `path` with XMLHttpRequest, whose upload events
/// give the progress (fetch has none), and calls `finished` with the answer.
#[cfg(feature = "hydrate")]
fn send_file(
    file: web_sys::File,
    path: String,
    progress: RwSignal<Option<(String, u8)>>,
    finished: Callback<Result<AttachmentSummary, AppError>>,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let failed = |message: &str| finished.run(Err(AppError::from(Error::Request { message: message.to_owned() })));
    let Ok(request) = web_sys::XmlHttpRequest::new() else { return failed("no XMLHttpRequest") };
    if request.open("POST", &path).is_err() {
        return failed("cannot open the request");
    }
    let _ = request.set_request_header("Content-Type", "application/octet-stream");
    let _ = request.set_request_header("Accept", "application/json");
    if let Ok(upload) = request.upload() {
        let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                let percent = (ev.loaded() / ev.total() * 100.0).clamp(0.0, 100.0) as u8;
                progress.update(|shown| {
                    if let Some((_, value)) = shown {
                        *value = percent;
                    }
                });
            }
        });
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let answered = request.clone();
    let on_end = Closure::once_into_js(move || {
        let status = answered.status().unwrap_or(0);
        let text = answered.response_text().ok().flatten().unwrap_or_default();
        let result = match status {
            201 => serde_json::from_str::<AttachmentSummary>(&text).map_err(|_| AppError::from(Error::Internal)),
            _ => Err(serde_json::from_str::<AppError>(&text)
                .unwrap_or_else(|_| AppError::from(Error::Request { message: format!("HTTP {status}") }))),
        };
        finished.run(result);
    });
    request.set_onloadend(Some(on_end.unchecked_ref()));
    if request.send_with_opt_blob(Some(&file)).is_err() {
        failed("cannot send the file");
    }
}

#[cfg(not(feature = "hydrate"))]
fn send_file(
    _file: web_sys::File,
    _path: String,
    _progress: RwSignal<Option<(String, u8)>>,
    finished: Callback<Result<AttachmentSummary, AppError>>,
) {
    finished.run(Err(AppError::from(Error::Request { message: "uploads run in the browser".into() })));
}
