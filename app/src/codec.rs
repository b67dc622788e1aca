//! The body formats of the JSON server functions. Requests: JSON that refuses what it does
//! not know. serde ignores unknown fields by default, so a misspelt or forged field would
//! pass unnoticed; here any field the function does not take makes the request a 400.
//! Responses: plain JSON, read from text as resources read what the server rendered.

use leptos::server_fn::codec::Post;
use leptos::server_fn::Bytes;
use leptos::server_fn::{ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// `#[server(input = StrictJson)]`: JSON in a POST body, unknown fields refused.
pub type StrictJson = Post<StrictJsonEncoding>;

pub struct StrictJsonEncoding;

impl ContentType for StrictJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for StrictJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

#[derive(Debug, thiserror::Error)]
pub enum StrictJsonError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("unknown field `{0}`")]
    UnknownField(String),
}

impl<T: Serialize> Encodes<T> for StrictJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for StrictJsonEncoding {
    type Error = StrictJsonError;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let mut unknown = None;
        let value = serde_ignored::deserialize(&mut serde_json::Deserializer::from_slice(&bytes), |path| {
            unknown.get_or_insert_with(|| path.to_string());
        })?;
        match unknown {
            Some(field) => Err(StrictJsonError::UnknownField(field)),
            None => Ok(value),
        }
    }
}

/// `#[server(output = JsonText)]`: the answer as JSON, exactly as server_fn's `Json` sends it.
/// The browser reads it as text, with `serde_json::from_str`, like the resources that hydrate
/// from the page: one deserializer per type in the wasm instead of two (`from_slice` too).
pub type JsonText = Post<JsonTextEncoding>;

pub struct JsonTextEncoding;

impl ContentType for JsonTextEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonTextEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Args {
        id: i64,
        note: Option<String>,
    }

    #[test]
    fn known_fields_decode_and_unknown_ones_are_refused_at_any_depth() {
        let decode = |text: &str| <StrictJsonEncoding as Decodes<Args>>::decode(Bytes::from(text.to_owned()));
        assert_eq!(decode(r#"{"id": 4}"#).ok(), Some(Args { id: 4, note: None }));
        assert!(matches!(decode(r#"{"id": 4, "admin": true}"#), Err(StrictJsonError::UnknownField(f)) if f == "admin"));
        assert!(matches!(decode(r#"{"id": "4"}"#), Err(StrictJsonError::Json(_))));
    }

    #[test]
    fn answers_are_the_same_json_as_server_fns_send_by_default() {
        use leptos::server_fn::codec::JsonEncoding;
        let args = Args { id: 4, note: Some("ñ".to_owned()) };
        let sent = <JsonTextEncoding as Encodes<(i64, &str)>>::encode(&(4, "ñ")).unwrap();
        assert_eq!(sent, <JsonEncoding as Encodes<(i64, &str)>>::encode(&(4, "ñ")).unwrap());
        let text = Bytes::from_static(r#"{"id": 4, "note": "ñ"}"#.as_bytes());
        assert_eq!(<JsonTextEncoding as Decodes<Args>>::decode(text).ok(), Some(args));
        assert!(<JsonTextEncoding as Decodes<Args>>::decode(Bytes::from_static(b"\"\xff\"")).is_err());
    }
}
