//! Every top-level request field of every protocol, and what a conversion does with it. A
//! conversion goes from a client's protocol to a channel's: Chat -> Messages or Gemini,
//! Messages -> Chat or Gemini, Responses -> Messages, Chat or Gemini, Gemini -> Messages or
//! Chat; for each, a field is
//!
//! - **carried**: mapped to its counterpart (`stop` -> `stop_sequences`);
//! - **emulated**: said another way that keeps its effect (a thinking budget for an effort);
//! - **dropped**, for a stated reason that loses nothing the client relies on (a latency hint,
//!   storage the hub never asks for);
//! - **refused**: a 400 in the client's protocol naming the field and the channel's protocol,
//!   because without it the answer would mean something else (`n: 3`, `previous_response_id`).
//!   Most refusals apply only to some values (`n` above 1, `logprobs: true`).
//!
//! A field no row names (a client newer than this table) is passed to a channel of the
//! client's own protocol and left out of a converted request; `unknown_fields_rule` says so.
//! `tests` walks the decoders' field lists, so a field the hub learns to read without a rule
//! here fails the build. The README's conversion table summarises this one.

use serde_json::{Map, Value};

use crate::Protocol;
use crate::error::ConvertError;
use crate::hub::Request;

/// What a conversion does with one field.
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    Carried,
    Emulated(&'static str),
    Dropped(&'static str),
    /// Refused when the predicate holds for the field's value (always, for most).
    Refused {
        when: fn(&Value) -> bool,
        why: &'static str,
    },
}

/// One field of one client protocol, with its rule for each protocol it may be converted to.
#[derive(Debug)]
pub struct Field {
    pub client: Protocol,
    pub name: &'static str,
    /// `(target, rule)`: one entry per protocol this client's requests are converted to.
    pub rules: &'static [(Protocol, Rule)],
}

const ANTHROPIC: Protocol = Protocol::Anthropic;
const CHAT: Protocol = Protocol::OpenAiChat;
const RESPONSES: Protocol = Protocol::Responses;
const GEMINI: Protocol = Protocol::Gemini;

/// Why a structured answer is refused for an Anthropic channel.
const STRUCTURED_FOR_ANTHROPIC: &str =
    "structured output is not converted for Anthropic channels yet";

fn always(_: &Value) -> bool {
    true
}

fn above_one(value: &Value) -> bool {
    value.as_u64().is_some_and(|n| n > 1)
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

/// A `response_format` / `text.format` asking for more than free text.
fn structured(value: &Value) -> bool {
    let format = value.get("format").unwrap_or(value);
    format
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind != "text")
}

/// Audio output (`modalities` naming it), which only OpenAI's audio models give.
fn asks_audio(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|kinds| kinds.iter().any(|k| k != "text"))
}

const fn to(target: Protocol, rule: Rule) -> (Protocol, Rule) {
    (target, rule)
}

const CARRIED: Rule = Rule::Carried;
const SAMPLING_HINT: Rule =
    Rule::Dropped("a sampling hint the target has no counterpart for; the model samples as usual");
const NOT_STORED: Rule =
    Rule::Dropped("storage at the provider: a converted request is never stored there");
const TIER: Rule = Rule::Dropped("the provider's service tier; the channel's own tier applies");
const ID_ONLY: Rule =
    Rule::Dropped("an identifier for the provider's own abuse tracking or analytics");
const NOT_CARRIED_HINT: Rule = Rule::Dropped(
    "a sampling hint the hub does not carry (Gemini has one); the model samples as usual",
);
const GEMINI_PARALLEL: Rule = Rule::Dropped(
    "Gemini has no switch for it and decides itself whether to call several functions at once",
);
const GEMINI_MAX_TOKENS: Rule =
    Rule::Emulated("maxOutputTokens, lowered to the model's own maximum when the catalog knows it");
const GEMINI_THINKING: Rule = Rule::Emulated(
    "thinkingConfig.thinkingBudget (low 1024, medium 8192, high 24576 tokens), for models that think",
);
const GEMINI_STRUCTURED: Rule =
    Rule::Emulated("responseMimeType application/json, with the schema as responseJsonSchema");
const GEMINI_CACHE: Rule =
    Rule::Dropped("Gemini caches repeated prompt prefixes by itself and has no key for them");

macro_rules! field {
    ($client:expr, $name:literal, $($target:expr => $rule:expr),+ $(,)?) => {
        Field { client: $client, name: $name, rules: &[$(to($target, $rule)),+] }
    };
}

/// The table. Chat clients are converted for Anthropic and Gemini channels, Messages clients
/// for Chat and Gemini channels, Responses clients for all three, Gemini clients for Anthropic
/// and Chat channels.
pub static REQUEST_FIELDS: &[Field] = &[
    // OpenAI Chat Completions -> Anthropic Messages
    field!(CHAT, "model", ANTHROPIC => CARRIED, GEMINI => CARRIED),
    field!(CHAT, "messages", ANTHROPIC => Rule::Emulated("system and developer messages become `system`; tool messages become tool_result blocks (a `[tool error] ` prefix becomes `is_error`)"), GEMINI => Rule::Emulated("contents: system and developer messages become systemInstruction; tool calls and tool messages become functionCall and functionResponse parts (a `[tool error] ` prefix as an error response); images and files inline data")),
    field!(CHAT, "tools", ANTHROPIC => CARRIED, GEMINI => Rule::Emulated("functionDeclarations")),
    field!(CHAT, "functions", ANTHROPIC => Rule::Emulated("the legacy functions become tools"), GEMINI => Rule::Emulated("the legacy functions become functionDeclarations")),
    field!(CHAT, "tool_choice", ANTHROPIC => CARRIED, GEMINI => Rule::Emulated("functionCallingConfig")),
    field!(CHAT, "function_call", ANTHROPIC => Rule::Emulated("the legacy choice becomes tool_choice"), GEMINI => Rule::Emulated("the legacy choice becomes functionCallingConfig")),
    field!(CHAT, "parallel_tool_calls", ANTHROPIC => Rule::Emulated("false becomes disable_parallel_tool_use"), GEMINI => GEMINI_PARALLEL),
    field!(CHAT, "stop", ANTHROPIC => CARRIED, GEMINI => Rule::Emulated("stopSequences")),
    field!(CHAT, "temperature", ANTHROPIC => Rule::Emulated("Anthropic takes 0 to 1: higher values are sent as 1; left out while thinking"), GEMINI => CARRIED),
    field!(CHAT, "top_p", ANTHROPIC => Rule::Emulated("left out beside temperature, which current Claude models refuse together"), GEMINI => Rule::Emulated("topP")),
    field!(CHAT, "max_tokens", ANTHROPIC => Rule::Emulated("lowered to the model's own maximum when the catalog knows it"), GEMINI => GEMINI_MAX_TOKENS),
    field!(CHAT, "max_completion_tokens", ANTHROPIC => Rule::Emulated("max_tokens, lowered to the model's own maximum when the catalog knows it"), GEMINI => GEMINI_MAX_TOKENS),
    field!(CHAT, "stream", ANTHROPIC => CARRIED, GEMINI => Rule::Emulated("streamGenerateContent")),
    field!(CHAT, "stream_options", ANTHROPIC => Rule::Emulated("Anthropic always reports usage; the usage chunk is made from it when asked"), GEMINI => Rule::Emulated("Gemini always reports usage; the usage chunk is made from it when asked")),
    field!(CHAT, "reasoning_effort", ANTHROPIC => Rule::Emulated("a thinking budget: low 2048, medium 8192, high 24576 tokens, fitted under the client's max_tokens"), GEMINI => GEMINI_THINKING),
    field!(CHAT, "user", ANTHROPIC => Rule::Emulated("metadata.user_id"), GEMINI => ID_ONLY),
    field!(CHAT, "n", ANTHROPIC => Rule::Refused { when: above_one, why: "Anthropic returns one answer per request; ask for one" }, GEMINI => Rule::Refused { when: above_one, why: "one answer per request is converted; ask for one" }),
    field!(CHAT, "logprobs", ANTHROPIC => Rule::Refused { when: truthy, why: "Anthropic does not return token log probabilities" }, GEMINI => Rule::Refused { when: truthy, why: "log probabilities are not converted from Gemini" }),
    field!(CHAT, "top_logprobs", ANTHROPIC => Rule::Refused { when: truthy, why: "Anthropic does not return token log probabilities" }, GEMINI => Rule::Refused { when: truthy, why: "log probabilities are not converted from Gemini" }),
    field!(CHAT, "logit_bias", ANTHROPIC => Rule::Refused { when: truthy, why: "Anthropic cannot bias tokens" }, GEMINI => Rule::Refused { when: truthy, why: "Gemini cannot bias tokens" }),
    field!(CHAT, "response_format", ANTHROPIC => Rule::Refused { when: structured, why: STRUCTURED_FOR_ANTHROPIC }, GEMINI => GEMINI_STRUCTURED),
    field!(CHAT, "modalities", ANTHROPIC => Rule::Refused { when: asks_audio, why: "Anthropic answers in text only" }, GEMINI => Rule::Refused { when: asks_audio, why: "audio answers are not converted from Gemini" }),
    field!(CHAT, "audio", ANTHROPIC => Rule::Refused { when: truthy, why: "Anthropic answers in text only" }, GEMINI => Rule::Refused { when: truthy, why: "audio answers are not converted from Gemini" }),
    field!(CHAT, "web_search_options", ANTHROPIC => Rule::Refused { when: always, why: "web search is not converted for Anthropic channels yet" }, GEMINI => Rule::Refused { when: always, why: "web search is not converted for Gemini channels yet" }),
    field!(CHAT, "seed", ANTHROPIC => SAMPLING_HINT, GEMINI => NOT_CARRIED_HINT),
    field!(CHAT, "frequency_penalty", ANTHROPIC => SAMPLING_HINT, GEMINI => NOT_CARRIED_HINT),
    field!(CHAT, "presence_penalty", ANTHROPIC => SAMPLING_HINT, GEMINI => NOT_CARRIED_HINT),
    field!(CHAT, "verbosity", ANTHROPIC => SAMPLING_HINT, GEMINI => SAMPLING_HINT),
    field!(CHAT, "prediction", ANTHROPIC => Rule::Dropped("a latency hint for edits; the answer is the same without it"), GEMINI => Rule::Dropped("a latency hint for edits; the answer is the same without it")),
    field!(CHAT, "store", ANTHROPIC => NOT_STORED, GEMINI => NOT_STORED),
    field!(CHAT, "metadata", ANTHROPIC => NOT_STORED, GEMINI => NOT_STORED),
    field!(CHAT, "service_tier", ANTHROPIC => TIER, GEMINI => TIER),
    field!(CHAT, "safety_identifier", ANTHROPIC => ID_ONLY, GEMINI => ID_ONLY),
    field!(CHAT, "prompt_cache_key", ANTHROPIC => Rule::Emulated("cache breakpoints on the system prompt and the latest user turn, so Anthropic caches the conversation's prefix as OpenAI would"), GEMINI => GEMINI_CACHE),
    // Anthropic Messages -> OpenAI Chat Completions
    field!(ANTHROPIC, "model", CHAT => CARRIED, GEMINI => CARRIED),
    field!(ANTHROPIC, "system", CHAT => Rule::Emulated("a system message"), GEMINI => Rule::Emulated("systemInstruction")),
    field!(ANTHROPIC, "messages", CHAT => Rule::Emulated("server tool calls, their results and text citations become text (what was searched and the sources); tool_result blocks become tool messages (is_error as a `[tool error] ` prefix, text documents as text, their images and files in the next user turn); documents become file parts; thinking goes back as reasoning_content"), GEMINI => Rule::Emulated("contents: tool_use and tool_result blocks become functionCall and functionResponse parts (is_error as an error response); server tool calls, their results and citations become text; images and documents inline data; thinking signed by Anthropic means nothing to Gemini and is left out")),
    field!(ANTHROPIC, "tools", CHAT => Rule::Emulated("function tools; server tools (web search, code execution) have no Chat counterpart and are left out"), GEMINI => Rule::Emulated("functionDeclarations; server tools (web search, code execution) have no Gemini counterpart and are left out")),
    field!(ANTHROPIC, "tool_choice", CHAT => CARRIED, GEMINI => Rule::Emulated("functionCallingConfig")),
    field!(ANTHROPIC, "stop_sequences", CHAT => CARRIED, GEMINI => Rule::Emulated("stopSequences")),
    field!(ANTHROPIC, "temperature", CHAT => CARRIED, GEMINI => CARRIED),
    field!(ANTHROPIC, "top_p", CHAT => CARRIED, GEMINI => Rule::Emulated("topP")),
    field!(ANTHROPIC, "top_k", CHAT => SAMPLING_HINT, GEMINI => NOT_CARRIED_HINT),
    field!(ANTHROPIC, "max_tokens", CHAT => CARRIED, GEMINI => GEMINI_MAX_TOKENS),
    field!(ANTHROPIC, "stream", CHAT => CARRIED, GEMINI => Rule::Emulated("streamGenerateContent")),
    field!(ANTHROPIC, "thinking", CHAT => Rule::Emulated("reasoning_effort from the budget: up to 2048 low, up to 8192 medium, else high"), GEMINI => Rule::Emulated("thinkingConfig.thinkingBudget, for models that think")),
    field!(ANTHROPIC, "metadata", CHAT => Rule::Emulated("metadata.user_id becomes user"), GEMINI => ID_ONLY),
    field!(ANTHROPIC, "service_tier", CHAT => TIER, GEMINI => TIER),
    field!(ANTHROPIC, "context_management", CHAT => Rule::Dropped("edits Anthropic would make to the context; the whole context is sent instead"), GEMINI => Rule::Dropped("edits Anthropic would make to the context; the whole context is sent instead")),
    field!(ANTHROPIC, "container", CHAT => Rule::Refused { when: truthy, why: "code execution containers exist only at Anthropic" }, GEMINI => Rule::Refused { when: truthy, why: "code execution containers exist only at Anthropic" }),
    field!(ANTHROPIC, "mcp_servers", CHAT => Rule::Refused { when: truthy, why: "Anthropic's MCP connector has no Chat counterpart" }, GEMINI => Rule::Refused { when: truthy, why: "Anthropic's MCP connector has no Gemini counterpart" }),
    field!(ANTHROPIC, "output_format", CHAT => Rule::Emulated("response_format json_schema, strict"), GEMINI => GEMINI_STRUCTURED),
    // OpenAI Responses -> Anthropic Messages and OpenAI Chat Completions
    field!(RESPONSES, "model", ANTHROPIC => CARRIED, CHAT => CARRIED, GEMINI => CARRIED),
    field!(RESPONSES, "instructions", ANTHROPIC => Rule::Emulated("system"), CHAT => Rule::Emulated("a system message"), GEMINI => Rule::Emulated("systemInstruction")),
    field!(RESPONSES, "input", ANTHROPIC => Rule::Emulated("messages; reasoning items give back Anthropic's signed thinking"), CHAT => Rule::Emulated("messages; reasoning items go back as reasoning_content"), GEMINI => Rule::Emulated("contents: function and custom tool calls and their outputs become functionCall and functionResponse parts; reasoning items from another provider are left out")),
    field!(RESPONSES, "tools", ANTHROPIC => Rule::Emulated("function tools; namespace tools flattened to namespace__name; freeform (custom) tools as a function with one string argument `input`, their calls given back as custom tool calls; built-in tools (web search, file search, computer use) run at OpenAI only and are left out; Codex's local_shell, which the client runs, is refused"), CHAT => Rule::Emulated("function tools; namespace tools flattened to namespace__name; freeform (custom) tools as a function with one string argument `input`, their calls given back as custom tool calls; built-in tools run at OpenAI only and are left out; Codex's local_shell, which the client runs, is refused"), GEMINI => Rule::Emulated("functionDeclarations; namespace tools flattened to namespace__name; freeform (custom) tools as a function with one string argument `input`, their calls given back as custom tool calls; built-in tools run at OpenAI only and are left out; Codex's local_shell, which the client runs, is refused")),
    field!(RESPONSES, "tool_choice", ANTHROPIC => CARRIED, CHAT => CARRIED, GEMINI => Rule::Emulated("functionCallingConfig")),
    field!(RESPONSES, "parallel_tool_calls", ANTHROPIC => Rule::Emulated("false becomes disable_parallel_tool_use"), CHAT => CARRIED, GEMINI => GEMINI_PARALLEL),
    field!(RESPONSES, "temperature", ANTHROPIC => Rule::Emulated("Anthropic takes 0 to 1: higher values are sent as 1; left out while thinking"), CHAT => CARRIED, GEMINI => CARRIED),
    field!(RESPONSES, "top_p", ANTHROPIC => Rule::Emulated("left out beside temperature"), CHAT => CARRIED, GEMINI => Rule::Emulated("topP")),
    field!(RESPONSES, "max_output_tokens", ANTHROPIC => CARRIED, CHAT => CARRIED, GEMINI => GEMINI_MAX_TOKENS),
    field!(RESPONSES, "stream", ANTHROPIC => CARRIED, CHAT => CARRIED, GEMINI => Rule::Emulated("streamGenerateContent")),
    field!(RESPONSES, "reasoning", ANTHROPIC => Rule::Emulated("effort becomes a thinking budget; the summary is the thinking text itself"), CHAT => Rule::Emulated("effort becomes reasoning_effort; the summary is the reasoning text itself"), GEMINI => Rule::Emulated("effort becomes thinkingConfig.thinkingBudget, for models that think; the summary is the thought text itself")),
    field!(RESPONSES, "user", ANTHROPIC => Rule::Emulated("metadata.user_id"), CHAT => CARRIED, GEMINI => ID_ONLY),
    field!(RESPONSES, "include", ANTHROPIC => Rule::Emulated("reasoning.encrypted_content: Anthropic's signatures ride in encrypted_content; other inclusions have nothing to include"), CHAT => Rule::Emulated("reasoning.encrypted_content: nothing to carry from a Chat provider; other inclusions have nothing to include"), GEMINI => Rule::Emulated("reasoning.encrypted_content: nothing to carry from Gemini; other inclusions have nothing to include")),
    field!(RESPONSES, "store", ANTHROPIC => NOT_STORED, CHAT => NOT_STORED, GEMINI => NOT_STORED),
    field!(RESPONSES, "metadata", ANTHROPIC => NOT_STORED, CHAT => NOT_STORED, GEMINI => NOT_STORED),
    field!(RESPONSES, "client_metadata", ANTHROPIC => ID_ONLY, CHAT => ID_ONLY, GEMINI => ID_ONLY),
    field!(RESPONSES, "safety_identifier", ANTHROPIC => ID_ONLY, CHAT => ID_ONLY, GEMINI => ID_ONLY),
    field!(RESPONSES, "service_tier", ANTHROPIC => TIER, CHAT => TIER, GEMINI => TIER),
    field!(RESPONSES, "prompt_cache_key", ANTHROPIC => Rule::Emulated("cache breakpoints on the system prompt and the latest user turn, so Anthropic caches the conversation's prefix as OpenAI would"), CHAT => CARRIED, GEMINI => GEMINI_CACHE),
    field!(RESPONSES, "truncation", ANTHROPIC => Rule::Dropped("the provider's own context limit applies, as with `disabled`"), CHAT => Rule::Dropped("the provider's own context limit applies, as with `disabled`"), GEMINI => Rule::Dropped("the provider's own context limit applies, as with `disabled`")),
    field!(RESPONSES, "stream_options", ANTHROPIC => Rule::Dropped("stream obfuscation, which a local hop does not need"), CHAT => Rule::Dropped("stream obfuscation, which a local hop does not need"), GEMINI => Rule::Dropped("stream obfuscation, which a local hop does not need")),
    field!(RESPONSES, "max_tool_calls", ANTHROPIC => Rule::Dropped("built-in tool calls run at OpenAI only"), CHAT => Rule::Dropped("built-in tool calls run at OpenAI only"), GEMINI => Rule::Dropped("built-in tool calls run at OpenAI only")),
    field!(RESPONSES, "text", ANTHROPIC => Rule::Refused { when: structured, why: STRUCTURED_FOR_ANTHROPIC }, CHAT => Rule::Emulated("format becomes response_format; verbosity, a length hint, is left out"), GEMINI => Rule::Emulated("format becomes responseMimeType application/json with responseJsonSchema; verbosity, a length hint, is left out")),
    field!(RESPONSES, "previous_response_id", ANTHROPIC => Rule::Refused { when: truthy, why: "the hub keeps the conversations it converted for a day and this one is not among them (an OpenAI channel holds the others); send the whole conversation in `input`" }, CHAT => Rule::Refused { when: truthy, why: "the hub keeps the conversations it converted for a day and this one is not among them (an OpenAI channel holds the others); send the whole conversation in `input`" }, GEMINI => Rule::Refused { when: truthy, why: "the hub keeps the conversations it converted for a day and this one is not among them (an OpenAI channel holds the others); send the whole conversation in `input`" }),
    field!(RESPONSES, "conversation", ANTHROPIC => Rule::Refused { when: truthy, why: "the conversation is stored at OpenAI only; send the whole conversation in `input`" }, CHAT => Rule::Refused { when: truthy, why: "the conversation is stored at OpenAI only; send the whole conversation in `input`" }, GEMINI => Rule::Refused { when: truthy, why: "the conversation is stored at OpenAI only; send the whole conversation in `input`" }),
    field!(RESPONSES, "prompt", ANTHROPIC => Rule::Refused { when: truthy, why: "stored prompt templates exist at OpenAI only" }, CHAT => Rule::Refused { when: truthy, why: "stored prompt templates exist at OpenAI only" }, GEMINI => Rule::Refused { when: truthy, why: "stored prompt templates exist at OpenAI only" }),
    field!(RESPONSES, "background", ANTHROPIC => Rule::Refused { when: truthy, why: "background responses are kept at OpenAI only" }, CHAT => Rule::Refused { when: truthy, why: "background responses are kept at OpenAI only" }, GEMINI => Rule::Refused { when: truthy, why: "background responses are kept at OpenAI only" }),
    field!(RESPONSES, "top_logprobs", ANTHROPIC => Rule::Refused { when: truthy, why: "Anthropic does not return token log probabilities" }, CHAT => Rule::Refused { when: truthy, why: "log probabilities are not converted back to Responses" }, GEMINI => Rule::Refused { when: truthy, why: "log probabilities are not converted from Gemini" }),
    // Gemini -> Anthropic Messages and OpenAI Chat Completions
    field!(GEMINI, "model", ANTHROPIC => CARRIED, CHAT => CARRIED),
    field!(GEMINI, "contents", ANTHROPIC => Rule::Emulated("messages: functionCall and functionResponse parts become tool calls and results, thought parts reasoning, inline data images or documents"), CHAT => Rule::Emulated("messages: functionCall and functionResponse parts become tool calls and tool messages, inline data images or files")),
    field!(GEMINI, "systemInstruction", ANTHROPIC => Rule::Emulated("system"), CHAT => Rule::Emulated("a system message")),
    field!(GEMINI, "system_instruction", ANTHROPIC => Rule::Emulated("system"), CHAT => Rule::Emulated("a system message")),
    field!(GEMINI, "tools", ANTHROPIC => Rule::Emulated("functionDeclarations become tools; Google's built-in tools (search, code execution) run at Google only and are left out"), CHAT => Rule::Emulated("functionDeclarations become function tools; Google's built-in tools run at Google only and are left out")),
    field!(GEMINI, "toolConfig", ANTHROPIC => Rule::Emulated("functionCallingConfig becomes tool_choice"), CHAT => Rule::Emulated("functionCallingConfig becomes tool_choice")),
    field!(GEMINI, "generationConfig", ANTHROPIC => Rule::Emulated("temperature, topP, maxOutputTokens, stopSequences and thinkingConfig carried; a JSON response schema is refused"), CHAT => Rule::Emulated("temperature, topP, maxOutputTokens, stopSequences and thinkingConfig carried; a JSON response schema becomes response_format")),
    field!(GEMINI, "safetySettings", ANTHROPIC => Rule::Dropped("Google's safety thresholds; the target provider's own apply"), CHAT => Rule::Dropped("Google's safety thresholds; the target provider's own apply")),
    field!(GEMINI, "cachedContent", ANTHROPIC => Rule::Refused { when: truthy, why: "cached contents are stored at Google only; send the content itself" }, CHAT => Rule::Refused { when: truthy, why: "cached contents are stored at Google only; send the content itself" }),
];

/// What happens to a field no row names: kept for the client's own protocol, left out of a
/// converted request (it may be newer than this table; the provider of another protocol would
/// refuse a field it does not know).
pub const UNKNOWN_FIELDS_RULE: Rule = Rule::Dropped(
    "a field this version does not know: passed through unconverted, left out when converting",
);

/// The row of `name` for `client`, if the table has one.
pub fn rule_of(client: Protocol, name: &str, target: Protocol) -> Option<Rule> {
    REQUEST_FIELDS
        .iter()
        .find(|field| field.client == client && field.name == name)
        .and_then(|field| field.rules.iter().find(|(t, _)| *t == target))
        .map(|(_, rule)| *rule)
}

/// Refuses a request a conversion from `client` to `target` cannot honour: the first field
/// whose rule refuses its value.
pub fn check(client: Protocol, target: Protocol, request: &Request) -> Result<(), ConvertError> {
    // The refusals of what the hub reads: a structured answer from Anthropic, and a
    // client-run built-in tool.
    if target == Protocol::Anthropic && request.output_format.is_some() {
        let name = match client {
            Protocol::Responses => "text",
            Protocol::Gemini => "generationConfig",
            _ => "response_format",
        };
        return Err(unsupported(name, client, target, STRUCTURED_FOR_ANTHROPIC));
    }
    // Codex's `local_shell` (codex-mini) is run by the client: left out, the model could not
    // run a command at all, so the request is refused instead.
    if request
        .builtin_tools
        .iter()
        .any(|kind| kind == "local_shell")
    {
        return Err(unsupported("tools", client, target, LOCAL_SHELL));
    }
    check_unread(client, target, &request.extra)
}

/// Why Codex's `local_shell` tool is refused outside OpenAI's Responses API.
const LOCAL_SHELL: &str = "Codex's local_shell tool (codex-mini) exists only in OpenAI's Responses API; use a model whose shell is a function tool (gpt-5-codex and later)";

/// [`check`] for the fields the decoder left in `extra`.
fn check_unread(
    client: Protocol,
    target: Protocol,
    body: &Map<String, Value>,
) -> Result<(), ConvertError> {
    for (name, value) in body {
        if let Some(Rule::Refused { when, why }) = rule_of(client, name, target)
            && when(value)
        {
            return Err(unsupported(name, client, target, why));
        }
    }
    Ok(())
}

fn unsupported(field: &str, client: Protocol, target: Protocol, why: &'static str) -> ConvertError {
    ConvertError::Unsupported {
        field: field.to_owned(),
        client: client.name(),
        target: target.name(),
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The directions a conversion goes, each covered by the table.
    fn targets_of(client: Protocol) -> &'static [Protocol] {
        match client {
            Protocol::OpenAiChat => &[ANTHROPIC, GEMINI],
            Protocol::Anthropic => &[CHAT, GEMINI],
            Protocol::Responses => &[ANTHROPIC, CHAT, GEMINI],
            Protocol::Gemini => &[ANTHROPIC, CHAT],
        }
    }

    /// Every field a decoder reads has a rule for every direction its protocol converts to,
    /// and the table has one row per field.
    #[test]
    fn every_field_the_hub_reads_has_a_rule_for_every_direction() {
        for (client, known) in [
            (CHAT, crate::openai_chat::KNOWN_FIELDS),
            (ANTHROPIC, crate::anthropic::KNOWN_FIELDS),
            (RESPONSES, crate::responses::KNOWN_FIELDS),
            (GEMINI, crate::gemini::KNOWN_FIELDS),
        ] {
            for name in known {
                for target in targets_of(client) {
                    assert!(
                        rule_of(client, name, *target).is_some(),
                        "{} field `{name}` has no rule for {}: add a row to fields.rs",
                        client.name(),
                        target.name()
                    );
                }
            }
        }
        for field in REQUEST_FIELDS {
            let targets: Vec<Protocol> = field.rules.iter().map(|(t, _)| *t).collect();
            assert_eq!(targets, targets_of(field.client), "`{}`", field.name);
            let rows = REQUEST_FIELDS
                .iter()
                .filter(|f| f.client == field.client && f.name == field.name)
                .count();
            assert_eq!(rows, 1, "`{}` has {rows} rows", field.name);
        }
    }

    /// A field the hub does not read is never said to be carried: what the decoder leaves in
    /// `extra` never reaches another protocol.
    #[test]
    fn only_fields_the_hub_reads_are_carried() {
        for field in REQUEST_FIELDS {
            let known = match field.client {
                Protocol::OpenAiChat => crate::openai_chat::KNOWN_FIELDS,
                Protocol::Anthropic => crate::anthropic::KNOWN_FIELDS,
                Protocol::Responses => crate::responses::KNOWN_FIELDS,
                Protocol::Gemini => crate::gemini::KNOWN_FIELDS,
            };
            let read = known.contains(&field.name);
            for (target, rule) in field.rules {
                match rule {
                    Rule::Carried | Rule::Emulated(_) => assert!(
                        read,
                        "`{}` is carried but the {} decoder does not read it",
                        field.name,
                        field.client.name()
                    ),
                    // Gemini's request has nowhere to say a few things the hub reads for
                    // the other targets (parallel tool calls, a user id, a cache key): those
                    // rows say why they are left out.
                    Rule::Dropped(_) if *target == GEMINI => {}
                    Rule::Dropped(_) => assert!(
                        !read,
                        "`{}` is read by the decoder, so say how it is carried",
                        field.name
                    ),
                    // Refusals are conditional: a field read for one direction may be
                    // refused for another (`text.format` for Anthropic).
                    Rule::Refused { .. } => {}
                }
            }
        }
    }
}
