//! E-mail of the notifications. With `SMTP_URL` the server calls [`start_queueing`]: from
//! then on every notification of a user who chose its topic ("Mi cuenta") is rendered into
//! the outbox in its own transaction (`store::mail::queue`), and the [`Worker`] sends the
//! due mail, retrying with the webhooks' backoff (`crate::outbox`). Without it nothing is
//! queued.
//!
//! The texts are here, in Spanish and Portuguese, not in the app's locale files: the mail is
//! rendered by the core inside the transaction that writes the notification, where the
//! app's compiled translations (leptos_i18n) are not available; a `match` per kind and
//! language makes the compiler check that every kind has its text in both.

use crate::domain::ReleaseId;
use crate::model::notifications::{Notification, NotificationKind};
use crate::outbox::{env_number, now_ms, Retry};
use crate::store::mail::{self as store, Attempt, Claimed};
use crate::store::Db;
use std::sync::OnceLock;
use std::time::Duration;

/// The language of a mail: the recipient's (Spanish unless they chose Portuguese).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Es,
    Pt,
}

impl Language {
    pub fn of(code: Option<&str>) -> Language {
        match code {
            Some("pt") => Language::Pt,
            _ => Language::Es,
        }
    }
}

/// What the queueing of mail needs to know, set once per process.
#[derive(Debug, Clone)]
pub struct Queueing {
    /// The desk's address as users reach it (`RELEASEDESK_PUBLIC_URL`), before the links'
    /// paths; empty: the links are paths only.
    pub public_url: String,
}

static QUEUEING: OnceLock<Queueing> = OnceLock::new();

/// From now on, notifications are queued as mail.
pub fn start_queueing(queueing: Queueing) {
    let _ = QUEUEING.set(queueing);
}

/// Whether (and how) this process queues mail.
pub fn queueing() -> Option<&'static Queueing> {
    QUEUEING.get()
}

/// The mail of one notification: its subject and its plain-text body.
pub fn render(
    language: Language,
    kind: NotificationKind,
    release: ReleaseId,
    title: &str,
    actor: Option<&str>,
    public_url: &str,
) -> (String, String) {
    let what = what_happened(language, kind, actor);
    let (release_word, footer) = words(language);
    let number = release.0;
    let subject = format!("[ReleaseDesk] {release_word} #{number}: {what}");
    let link = link(public_url, release);
    let body = format!("{what}.\n\n{release_word} #{number}: {title}\n{link}\n\n-- \n{footer}\n");
    (subject, body)
}

/// The daily digest of `notifications`: its subject and its plain-text body.
pub fn render_digest(language: Language, notifications: &[Notification], public_url: &str) -> (String, String) {
    let (release_word, footer) = words(language);
    let count = notifications.len();
    let subject = match language {
        Language::Es => format!("[ReleaseDesk] Resumen diario: {count} notificaciones"),
        Language::Pt => format!("[ReleaseDesk] Resumo diário: {count} notificações"),
    };
    let mut body = String::new();
    for note in notifications {
        let what = what_happened(language, note.kind, note.actor.as_deref());
        let (number, title, link) = (note.release.0, &note.title, link(public_url, note.release));
        body.push_str(&format!("- {what}: {release_word} #{number}: {title}\n  {link}\n"));
    }
    body.push_str(&format!("\n-- \n{footer}\n"));
    (subject, body)
}

fn link(public_url: &str, release: ReleaseId) -> String {
    format!("{}/releases/{}", public_url.trim_end_matches('/'), release.0)
}

fn words(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::Es => ("Liberación", "Recibe este correo por sus preferencias de «Mi cuenta»."),
        Language::Pt => ("Liberação", "Você recebe este e-mail pelas suas preferências de «Minha conta»."),
    }
}

/// What a notification of `kind` tells, in one sentence.
fn what_happened(language: Language, kind: NotificationKind, actor: Option<&str>) -> String {
    use Language::{Es, Pt};
    use NotificationKind as K;
    let who = actor.unwrap_or("ReleaseDesk");
    match (language, kind) {
        (Es, K::NewWork) => "Hay una tarea nueva para tu grupo".to_owned(),
        (Pt, K::NewWork) => "Há uma nova tarefa para o seu grupo".to_owned(),
        (Es, K::Delegated) => format!("{who} te delegó la tarea"),
        (Pt, K::Delegated) => format!("{who} delegou a tarefa a você"),
        (Es, K::Captured) => format!("{who} capturó la tarea"),
        (Pt, K::Captured) => format!("{who} capturou a tarefa"),
        (Es, K::Advanced) => format!("{who} avanzó el flujo"),
        (Pt, K::Advanced) => format!("{who} avançou o fluxo"),
        (Es, K::Resolved) => format!("{who} la resolvió"),
        (Pt, K::Resolved) => format!("{who} a resolveu"),
        (Es, K::Suspended) => format!("{who} la suspendió"),
        (Pt, K::Suspended) => format!("{who} a suspendeu"),
        (Es, K::Reactivated) => format!("{who} la reactivó"),
        (Pt, K::Reactivated) => format!("{who} a reativou"),
        (Es, K::Reopened) => format!("{who} la reabrió"),
        (Pt, K::Reopened) => format!("{who} a reabriu"),
        (Es, K::Cancelled) => format!("{who} la canceló"),
        (Pt, K::Cancelled) => format!("{who} a cancelou"),
        (Es, K::DueSoon) => "Vence en menos de 24 horas".to_owned(),
        (Pt, K::DueSoon) => "Vence em menos de 24 horas".to_owned(),
        (Es, K::Overdue) => "Ha pasado su plazo".to_owned(),
        (Pt, K::Overdue) => "Passou do prazo".to_owned(),
    }
}

/// The mail worker's settings, from the environment ([`Settings::from_env`]).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SMTP_URL`: `smtp://user:password@host:587` (STARTTLS, required),
    /// `smtps://user:password@host:465` (TLS), or `smtp://host:25?tls=none` (no TLS: a
    /// relay on the same machine).
    pub smtp_url: String,
    /// `MAIL_FROM`: the sender (`ReleaseDesk <releasedesk@localhost>` unless set).
    pub from: String,
    /// `MAIL_POLL_MS` (500 ms).
    pub poll: Duration,
    /// `MAIL_RETRY_BASE_MS` (30 s), `MAIL_RETRY_MAX_MS` (1 h), `MAIL_GIVE_UP_AFTER_S` (3 days).
    pub retry: Retry,
    /// `MAIL_TIMEOUT_MS`: how long one mail may take (30 s); a mail is leased for three.
    pub timeout: Duration,
    pub batch: i64,
}

impl Settings {
    /// The settings, or `None` without `SMTP_URL`; a value that cannot be read is an error.
    pub fn from_env() -> Result<Option<Settings>, String> {
        let smtp_url = match std::env::var("SMTP_URL") {
            Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => return Ok(None),
        };
        let from = std::env::var("MAIL_FROM")
            .ok()
            .filter(|from| !from.trim().is_empty())
            .unwrap_or_else(|| "ReleaseDesk <releasedesk@localhost>".to_owned());
        let mut settings = Settings {
            smtp_url,
            from,
            poll: Duration::from_millis(500),
            retry: Retry {
                base: Duration::from_secs(30),
                max: Duration::from_secs(3600),
                give_up_after: Duration::from_secs(3 * 86_400),
            },
            timeout: Duration::from_secs(30),
            batch: 16,
        };
        if let Some(ms) = env_number("MAIL_POLL_MS")? {
            settings.poll = Duration::from_millis(ms.max(10));
        }
        if let Some(ms) = env_number("MAIL_RETRY_BASE_MS")? {
            settings.retry.base = Duration::from_millis(ms);
        }
        if let Some(ms) = env_number("MAIL_RETRY_MAX_MS")? {
            settings.retry.max = Duration::from_millis(ms);
        }
        if let Some(s) = env_number("MAIL_GIVE_UP_AFTER_S")? {
            settings.retry.give_up_after = Duration::from_secs(s);
        }
        if let Some(ms) = env_number("MAIL_TIMEOUT_MS")? {
            settings.timeout = Duration::from_millis(ms.max(100));
        }
        Ok(Some(settings))
    }
}

type Transport = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;

/// The SMTP transport `url` names (see [`Settings::smtp_url`]).
pub fn transport(url: &str, timeout: Duration) -> Result<Transport, String> {
    use lettre::transport::smtp::authentication::Credentials;
    let bad = |why: &str| format!("SMTP_URL is not usable: {why}");
    let parsed = reqwest::Url::parse(url).map_err(|_| bad("not a URL"))?;
    let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let tls = parsed.query_pairs().find(|(name, _)| name == "tls").map(|(_, value)| value.into_owned());
    let builder = match (parsed.scheme(), tls.as_deref()) {
        ("smtp", None | Some("required")) => {
            Transport::starttls_relay(&host).map_err(|e| bad(&e.to_string()))?.port(parsed.port().unwrap_or(587))
        }
        ("smtp", Some("none")) => Transport::builder_dangerous(host).port(parsed.port().unwrap_or(25)),
        ("smtps", None) => Transport::relay(&host).map_err(|e| bad(&e.to_string()))?.port(parsed.port().unwrap_or(465)),
        _ => return Err(bad("use smtp://host:587 (STARTTLS), smtps://host:465 or smtp://host:25?tls=none")),
    };
    let decode = |text: &str| {
        reqwest::Url::parse(&format!("http://x/?v={text}"))
            .ok()
            .and_then(|u| u.query_pairs().next().map(|(_, v)| v.into_owned()))
            .unwrap_or_default()
    };
    let builder = if parsed.username().is_empty() {
        builder
    } else {
        let password = parsed.password().map(decode).unwrap_or_default();
        builder.credentials(Credentials::new(decode(parsed.username()), password))
    };
    Ok(builder.timeout(Some(timeout)).build())
}

/// Sends the due mail of one database.
#[derive(Clone)]
pub struct Worker {
    db: Db,
    transport: Transport,
    from: lettre::message::Mailbox,
    settings: Settings,
}

impl Worker {
    pub fn new(db: Db, settings: Settings) -> Result<Worker, String> {
        let transport = transport(&settings.smtp_url, settings.timeout)?;
        let from = settings.from.parse().map_err(|_| format!("MAIL_FROM `{}` is not an address", settings.from))?;
        Ok(Worker { db, transport, from, settings })
    }

    pub fn poll(&self) -> Duration {
        self.settings.poll
    }

    /// One step: claims the due mail (at most a batch), sends it and records each answer;
    /// answers how many it claimed.
    pub async fn send_due(&self) -> Result<usize, crate::Error> {
        let now = now_ms();
        if !store::anything_due(&self.db, now).await? {
            return Ok(0);
        }
        let lease = i64::try_from(self.settings.timeout.as_millis().saturating_mul(3)).unwrap_or(i64::MAX);
        let claimed = store::claim(&self.db, now, lease, self.settings.batch).await?;
        let count = claimed.len();
        for mail in claimed {
            let attempt = self.attempt(&mail).await;
            if let Err(error) = store::record(&self.db, mail.id, &attempt).await {
                // Its lease ends and it is sent again: twice at worst, never lost.
                tracing::warn!(%error, mail = mail.id, "cannot record a mail's attempt");
            }
        }
        Ok(count)
    }

    async fn attempt(&self, mail: &Claimed) -> Attempt {
        use lettre::AsyncTransport;
        let error = match self.message(mail) {
            Ok(message) => match self.transport.send(message).await {
                Ok(_) => return Attempt::Sent { at: now_ms() / 1000 },
                Err(error) => error.to_string(),
            },
            // An address that cannot be written will not become one: no retry.
            Err(error) => return Attempt::GiveUp { error },
        };
        tracing::info!(mail = mail.id, attempts = mail.attempts, %error, "mail not sent");
        let error: String = error.chars().take(300).collect();
        match self.settings.retry.next_attempt_ms(now_ms(), mail.attempts, mail.created_at) {
            Some(next_attempt_ms) => Attempt::Retry { error, next_attempt_ms },
            None => Attempt::GiveUp { error },
        }
    }

    fn message(&self, mail: &Claimed) -> Result<lettre::Message, String> {
        let to = mail.recipient.parse().map_err(|_| format!("`{}` is not an address", mail.recipient))?;
        lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            // The same on every attempt: a receiver can drop a repeat.
            .message_id(Some(format!("<mail-{}@releasedesk>", mail.id)))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_text_in_both_languages() {
        for kind in NotificationKind::ALL {
            let (es, es_body) = render(Language::Es, *kind, ReleaseId(7), "ERP", Some("Ana"), "https://desk/");
            let (pt, _) = render(Language::Pt, *kind, ReleaseId(7), "ERP", Some("Ana"), "https://desk/");
            assert_ne!(es, pt, "{kind:?}");
            assert!(es.contains("#7"), "{es}");
            assert!(es_body.contains("https://desk/releases/7"), "{es_body}");
        }
    }

    #[test]
    fn the_smtp_url_chooses_the_tls() {
        let timeout = Duration::from_secs(1);
        assert!(transport("smtp://user:p%40ss@mail.example.com:587", timeout).is_ok());
        assert!(transport("smtps://mail.example.com", timeout).is_ok());
        assert!(transport("smtp://127.0.0.1:2525?tls=none", timeout).is_ok());
        assert!(transport("http://mail.example.com", timeout).is_err());
        assert!(transport("smtp://mail.example.com?tls=maybe", timeout).is_err());
    }
}
