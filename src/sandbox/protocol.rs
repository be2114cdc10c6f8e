//! Reading the probe's answer frame (see `reference::wire`). Exactly one
//! well-formed frame is accepted; anything else is a protocol violation, so
//! stray writes to the answer descriptor cannot pass for an answer.

use reference::wire::FRAME_MAGIC;
use serde_json::Value;

#[derive(Debug)]
pub enum Answer {
    /// The item's outputs, by name.
    Ok(Value),
    /// The student's code panicked with this message.
    Panic(String),
    /// The probe could not run the item (inputs it could not read).
    Error(String),
}

/// The payload length a frame's header announces, when the header is whole
/// (the head of a frame too large to be kept says how large it was).
pub fn announced_len(bytes: &[u8]) -> Option<usize> {
    let newline = bytes.iter().take(64).position(|&b| b == b'\n')?;
    std::str::from_utf8(&bytes[..newline])
        .ok()?
        .strip_prefix(FRAME_MAGIC)?
        .strip_prefix(' ')?
        .parse()
        .ok()
}

pub fn parse(bytes: &[u8]) -> Result<Answer, String> {
    let newline = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("the answer has no header line")?;
    let header =
        std::str::from_utf8(&bytes[..newline]).map_err(|_| "the answer's header is not text")?;
    let len: usize = header
        .strip_prefix(FRAME_MAGIC)
        .and_then(|rest| rest.strip_prefix(' '))
        .and_then(|n| n.parse().ok())
        .ok_or("the answer's header is malformed")?;
    let body = &bytes[newline + 1..];
    if body.len() != len {
        return Err(format!(
            "the answer announced {len} bytes but carried {} (was something else written to its channel?)",
            body.len()
        ));
    }
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let Value::Object(map) = payload else {
        return Err("the answer is not an object".into());
    };
    if map.len() != 1 {
        return Err("the answer must have exactly one of ok, panic, error".into());
    }
    let (key, value) = map.into_iter().next().expect("one entry");
    let text = |v: Value| {
        v.as_str()
            .map(str::to_string)
            .ok_or(format!("\"{key}\" must be text"))
    };
    match key.as_str() {
        "ok" if value.is_object() => Ok(Answer::Ok(value)),
        "ok" => Err("\"ok\" must be an object of outputs".into()),
        "panic" => Ok(Answer::Panic(text(value)?)),
        "error" => Ok(Answer::Error(text(value)?)),
        other => Err(format!("unknown answer kind \"{other}\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reference::wire::frame;
    use serde_json::json;

    #[test]
    fn a_frame_from_the_wire_module_parses() {
        let bytes = frame(&json!({"ok": {"value": 1.5}}));
        assert!(matches!(parse(&bytes), Ok(Answer::Ok(v)) if v["value"] == 1.5));
    }

    #[test]
    fn a_forged_frame_before_the_real_one_voids_the_answer() {
        let mut bytes = frame(&json!({"ok": {"value": 1.0}}));
        bytes.extend(frame(&json!({"ok": {"value": 2.0}})));
        assert!(parse(&bytes).unwrap_err().contains("announced"));
    }

    #[test]
    fn a_truncated_frame_is_refused() {
        let bytes = frame(&json!({"ok": {"value": 1.0}}));
        assert!(parse(&bytes[..bytes.len() - 1]).is_err());
        assert!(parse(b"").is_err());
    }
}
