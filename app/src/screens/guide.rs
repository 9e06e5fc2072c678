//! The Guide: how API Switch picks an entry for each request (auto, groups, exact and fuzzy
//! model names) and recovers from failures, then ready-to-copy set-up for the usual clients
//! with this server's real address filled in. Code stays code; every sentence is translated.

use leptos::prelude::*;

use crate::components::copy::CopyBlock;
use crate::components::layout::{PageHeader, Section};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::origin::use_origin;

/// One client's set-up: its name, a sentence, and the snippet to copy (when it has one).
struct Client {
    id: &'static str,
    name: &'static str,
    snippet: fn(&str) -> String,
}

fn openai_python(origin: &str) -> String {
    format!(
        "from openai import OpenAI\n\nclient = OpenAI(base_url=\"{origin}/v1\", api_key=\"ACCESS_KEY\")\nreply = client.chat.completions.create(\n    model=\"auto\",\n    messages=[{{\"role\": \"user\", \"content\": \"Hi\"}}],\n)\nprint(reply.choices[0].message.content)"
    )
}

fn anthropic_python(origin: &str) -> String {
    format!(
        "from anthropic import Anthropic\n\nclient = Anthropic(base_url=\"{origin}\", api_key=\"ACCESS_KEY\")\nreply = client.messages.create(\n    model=\"auto\",\n    max_tokens=1024,\n    messages=[{{\"role\": \"user\", \"content\": \"Hi\"}}],\n)\nprint(reply.content[0].text)"
    )
}

fn claude_code(origin: &str) -> String {
    format!(
        "export ANTHROPIC_BASE_URL=\"{origin}\"\nexport ANTHROPIC_AUTH_TOKEN=\"ACCESS_KEY\"\nclaude"
    )
}

fn codex(origin: &str) -> String {
    format!(
        "# ~/.codex/config.toml\nmodel = \"auto\"\nmodel_provider = \"api-switch\"\n\n[model_providers.api-switch]\nname = \"API Switch\"\nbase_url = \"{origin}/v1\"\nenv_key = \"API_SWITCH_KEY\"\nwire_api = \"responses\""
    )
}

fn base_url_v1(origin: &str) -> String {
    format!("{origin}/v1")
}

fn curl(origin: &str) -> String {
    format!(
        "curl {origin}/v1/chat/completions \\\n  -H \"Authorization: Bearer ACCESS_KEY\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{{\"model\": \"auto\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hi\"}}]}}'"
    )
}

const CLIENTS: [Client; 7] = [
    Client {
        id: "openai-sdk",
        name: "OpenAI SDK (Python)",
        snippet: openai_python,
    },
    Client {
        id: "anthropic-sdk",
        name: "Anthropic SDK (Python)",
        snippet: anthropic_python,
    },
    Client {
        id: "claude-code",
        name: "Claude Code",
        snippet: claude_code,
    },
    Client {
        id: "codex",
        name: "Codex",
        snippet: codex,
    },
    Client {
        id: "cherry-studio",
        name: "Cherry Studio",
        snippet: base_url_v1,
    },
    Client {
        id: "open-webui",
        name: "Open WebUI",
        snippet: base_url_v1,
    },
    Client {
        id: "curl",
        name: "curl",
        snippet: curl,
    },
];

#[component]
pub fn GuideScreen() -> impl IntoView {
    let i18n = use_i18n();
    let origin = use_origin();
    let step = |title: String, body: String| {
        view! {
            <li class="rounded-md border border-slate-200 p-4 dark:border-slate-800">
                <h3 class="font-medium">{title}</h3>
                <p class="mt-1 text-sm text-slate-700 dark:text-slate-300">{body}</p>
            </li>
        }
    };
    view! {
        <PageHeader
            title=Signal::derive(move || t_string!(i18n, guide.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, guide.intro).to_string())
        />
        <div class="space-y-6">
            <Section id="routing" title=Signal::derive(move || t_string!(i18n, guide.routing_title).to_string())
                intro=Signal::derive(move || t_string!(i18n, guide.routing_intro).to_string())>
                {move || view! {
                    <ol class="grid gap-3 md:grid-cols-2">
                        {step(t_string!(i18n, guide.auto_title).to_string(), t_string!(i18n, guide.auto_body).to_string())}
                        {step(t_string!(i18n, guide.groups_title).to_string(), t_string!(i18n, guide.groups_body).to_string())}
                        {step(t_string!(i18n, guide.exact_title).to_string(), t_string!(i18n, guide.exact_body).to_string())}
                        {step(t_string!(i18n, guide.fuzzy_title).to_string(), t_string!(i18n, guide.fuzzy_body).to_string())}
                    </ol>
                }}
            </Section>
            <Section id="recovery" title=Signal::derive(move || t_string!(i18n, guide.recovery_title).to_string())>
                <ul class="list-disc space-y-2 pl-5 text-sm text-slate-700 dark:text-slate-300">
                    <li>{t!(i18n, guide.recovery_failover)}</li>
                    <li>{t!(i18n, guide.recovery_cooldown)}</li>
                    <li>{t!(i18n, guide.recovery_disable)}</li>
                    <li>{t!(i18n, guide.recovery_all_cooling)}</li>
                </ul>
            </Section>
            <Section id="clients" title=Signal::derive(move || t_string!(i18n, guide.clients_title).to_string())
                intro=Signal::derive(move || t_string!(i18n, guide.clients_intro).to_string())>
                <div class="space-y-6">
                    {CLIENTS.iter().map(|client| {
                        let snippet = client.snippet;
                        let name = client.name;
                        let id = client.id;
                        view! {
                            <div id=format!("guide-{id}")>
                                <h3 class="mb-1 font-medium">{name}</h3>
                                <p class="mb-2 text-sm text-slate-700 dark:text-slate-300">{move || client_text(i18n, id, &origin.get())}</p>
                                <CopyBlock value=Signal::derive(move || snippet(&origin.get())) what=name.to_owned()/>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </Section>
        </div>
    }
}

/// The sentence above a client's snippet.
fn client_text(
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
    id: &str,
    origin: &str,
) -> String {
    let url = origin.to_owned();
    match id {
        "openai-sdk" => t_string!(i18n, guide.openai_sdk, url).to_string(),
        "anthropic-sdk" => t_string!(i18n, guide.anthropic_sdk, url).to_string(),
        "claude-code" => t_string!(i18n, guide.claude_code).to_string(),
        "codex" => t_string!(i18n, guide.codex).to_string(),
        "cherry-studio" => t_string!(i18n, guide.cherry_studio).to_string(),
        "open-webui" => t_string!(i18n, guide.open_webui).to_string(),
        _ => t_string!(i18n, guide.curl).to_string(),
    }
}
