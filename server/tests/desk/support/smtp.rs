//! A minimal SMTP receiver on loopback for the mail tests: enough of RFC 5321 for lettre
//! (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS: the server is told
//! `?tls=none`). It keeps every message it accepted; it can stop listening and listen
//! again on the same port, and hold its answer to DATA so that the sender can be killed
//! mid-send.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// One message accepted: the envelope's recipients and the message as sent (headers and
/// body, dot-unstuffed), with its body decoded from quoted-printable.
#[derive(Debug, Clone)]
pub struct Mail {
    pub recipients: Vec<String>,
    pub raw: String,
    pub text: String,
}

impl Mail {
    /// The value of the first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    }
}

#[derive(Clone)]
pub struct SmtpReceiver {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    /// While set, the answer to the next message's data is held (the connection hangs).
    hold_next: Arc<AtomicBool>,
    /// How many messages' data arrived in full, answered or not.
    data_seen: Arc<Mutex<usize>>,
    serving: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl SmtpReceiver {
    /// A receiver on a free port, listening.
    pub async fn start() -> SmtpReceiver {
        let receiver = SmtpReceiver::stopped();
        receiver.listen().await;
        receiver
    }

    /// A receiver whose port is chosen but that does not listen yet.
    pub fn stopped() -> SmtpReceiver {
        SmtpReceiver {
            port: super::process::free_port(),
            mails: Arc::default(),
            hold_next: Arc::default(),
            data_seen: Arc::default(),
            serving: Arc::default(),
        }
    }

    /// What the server's `SMTP_URL` is set to.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub fn hold_next(&self) {
        self.hold_next.store(true, Ordering::SeqCst);
    }

    pub async fn listen(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("bind the SMTP receiver");
        let this = self.clone();
        let serving = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { break };
                let this = this.clone();
                connections.spawn(async move {
                    let _ = this.converse(stream).await;
                });
            }
        });
        *self.serving.lock().expect("the receiver's lock") = Some(serving);
    }

    /// Stops listening and drops every open connection.
    pub async fn shut(&self) {
        let serving = self.serving.lock().expect("the receiver's lock").take();
        if let Some(serving) = serving {
            serving.abort();
            let _ = serving.await;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
            assert!(Instant::now() < deadline, "the SMTP receiver still listens");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("the receiver's lock").clone()
    }

    pub fn data_seen(&self) -> usize {
        *self.data_seen.lock().expect("the receiver's lock")
    }

    /// Waits until `count` messages were accepted.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + within;
        loop {
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            assert!(Instant::now() < deadline, "{} mails arrived, not {count}", mails.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn converse(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 127.0.0.1 ESMTP test receiver\r\n").await?;
        let mut recipients = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") {
                b"250-127.0.0.1\r\n250-8BITMIME\r\n250 PIPELINING\r\n"
            } else if command.starts_with("HELO") || command.starts_with("NOOP") {
                b"250 OK\r\n"
            } else if command.starts_with("MAIL FROM") {
                recipients.clear();
                b"250 OK\r\n"
            } else if command.starts_with("RCPT TO") {
                let address = line.trim_end()[8..].trim().trim_start_matches('<');
                recipients.push(address.split('>').next().unwrap_or_default().to_owned());
                b"250 OK\r\n"
            } else if command == "DATA" {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    raw.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                }
                *self.data_seen.lock().expect("the receiver's lock") += 1;
                if self.hold_next.swap(false, Ordering::SeqCst) {
                    // Never answered: the sender is killed meanwhile.
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return Ok(());
                }
                let body = raw.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
                let text = decode_quoted_printable(body);
                self.mails.lock().expect("the receiver's lock").push(Mail {
                    recipients: std::mem::take(&mut recipients),
                    raw,
                    text,
                });
                b"250 OK queued\r\n"
            } else if command.starts_with("RSET") {
                recipients.clear();
                b"250 OK\r\n"
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                b"502 Command not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

/// A quoted-printable body as text (soft line breaks joined, `=XX` bytes decoded).
pub fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
