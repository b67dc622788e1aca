//! Checks a JSON value against a schema of the API's OpenAPI document: the part of JSON
//! Schema 2020-12 that `utoipa` writes (`$ref` into `components`, `type` as a name or a
//! list, `properties`, `required`, `additionalProperties`, `items`, `enum`, `oneOf`,
//! `anyOf`, `allOf`). A general validator crate (`jsonschema`) was measured at 3.5 minutes
//! of compilation on the CI machine, for what these few rules do here.

use serde_json::Value;

/// Every way `value` breaks `schema`, each with the JSON path where it does; `document`
/// resolves the `$ref`s.
pub fn violations(document: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(document, schema, value, "$", &mut found);
    found
}

fn check(document: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference.strip_prefix('#').unwrap_or(reference);
        match document.pointer(pointer) {
            Some(target) => check(document, target, value, at, found),
            None => found.push(format!("{at}: the document has no {reference}")),
        }
        return;
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(name) => vec![name.as_str()],
            Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.iter().any(|name| is_of_type(value, name)) {
            found.push(format!("{at}: {value} is not of type {names:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is none of {allowed:?}"));
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(document, part, value, at, found);
        }
    }
    let matching =
        |parts: &Vec<Value>| parts.iter().filter(|part| violations(document, part, value).is_empty()).count();
    if let Some(parts) = schema.get("oneOf").and_then(Value::as_array) {
        let matched = matching(parts);
        if matched != 1 {
            found.push(format!("{at}: {value} matches {matched} of oneOf's {} schemas, not one", parts.len()));
        }
    }
    if let Some(parts) = schema.get("anyOf").and_then(Value::as_array) {
        if matching(parts) == 0 {
            found.push(format!("{at}: {value} matches none of anyOf's schemas"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                found.push(format!("{at}: `{name}` is required"));
            }
        }
        for (name, member) in object {
            let path = format!("{at}.{name}");
            match (properties.and_then(|p| p.get(name)), schema.get("additionalProperties")) {
                (Some(property), _) => check(document, property, member, &path, found),
                (None, Some(Value::Bool(false))) => found.push(format!("{path}: not a property of the schema")),
                (None, Some(extra @ Value::Object(_))) => check(document, extra, member, &path, found),
                (None, _) => {}
            }
        }
    }
    if let (Some(items), Some(elements)) = (schema.get("items"), value.as_array()) {
        for (index, element) in elements.iter().enumerate() {
            check(document, items, element, &format!("{at}[{index}]"), found);
        }
    }
}

fn is_of_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::violations;
    use serde_json::json;

    #[test]
    fn the_checker_finds_what_breaks_a_schema() {
        let document = json!({ "components": { "schemas": {
            "Item": { "type": "object", "required": ["id"], "properties": {
                "id": { "type": "integer" }, "kind": { "type": "string", "enum": ["a", "b"] },
                "next": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/Item" }] } } }
        } } });
        let schema = json!({ "type": "array", "items": { "$ref": "#/components/schemas/Item" } });
        assert!(violations(&document, &schema, &json!([{ "id": 1, "kind": "a", "next": { "id": 2 } }])).is_empty());
        let wrong = violations(&document, &schema, &json!([{ "kind": "c", "next": { "id": "2" } }, 3]));
        assert_eq!(wrong.len(), 4, "{wrong:?}");
        assert!(wrong.iter().any(|w| w.starts_with("$[0]: `id` is required")), "{wrong:?}");
        assert!(wrong.iter().any(|w| w.starts_with("$[0].kind")), "{wrong:?}");
        assert!(wrong.iter().any(|w| w.starts_with("$[0].next")), "{wrong:?}");
        assert!(wrong.iter().any(|w| w.starts_with("$[1]")), "{wrong:?}");
    }
}
