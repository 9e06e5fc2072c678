//! The Test chat screen: a prompt sent through the proxy exactly as an app's request would go
//! (route `auto`, a group or a model name), its answer shown as it streams, with the entry
//! that answered, the time taken, and the entries that failed before it. The server function
//! streams the engine's `ChatEvent`s as lines of JSON.

use leptos::prelude::*;
use leptos::server_fn::codec::{StreamingText, TextStream};
use types::logs::AttemptRecord;
use types::test_chat::{ChatEvent, ChatFailure};

use crate::components::attempts::attempt_outcome;
use crate::components::badge::{Badge, Tone};
use crate::components::empty::EmptyState;
use crate::components::layout::{PageHeader, Section};
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, MUTED};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::shell::live::{is_config_change, use_live};

/// The routes to suggest: `auto`, the groups, the routable model names.
#[server]
pub async fn chat_routes() -> Result<Vec<String>, UiError> {
    Ok(engine::test_chat::routes(&crate::engine_call::state()?))
}

/// Sends `prompt` through the proxy by `route`; the answer streams back as one JSON
/// `ChatEvent` per line.
#[server(output = StreamingText)]
pub async fn test_chat(route: String, prompt: String) -> Result<TextStream<UiError>, UiError> {
    use futures::StreamExt;
    let state = crate::engine_call::state()?;
    let ask = engine::test_chat::ChatAsk { route, prompt };
    let lines = engine::test_chat::start(&state, ask).map(|event| {
        serde_json::to_string(&event)
            .map(|line| line + "\n")
            .map_err(|error| UiError::Internal {
                detail: error.to_string(),
            })
    });
    Ok(TextStream::new(lines))
}

/// Everything the answer panel shows, filled in as events arrive.
#[derive(Clone, Debug, Default, PartialEq)]
struct Answer {
    started: bool,
    answered: Option<AttemptRecord>,
    failed: Vec<AttemptRecord>,
    text: String,
    total_ms: Option<i64>,
    first_text_ms: Option<i64>,
    failure: Option<ChatFailure>,
    /// The user pressed Stop before the answer ended.
    stopped: bool,
}

impl Answer {
    fn apply(&mut self, event: ChatEvent) {
        match event {
            ChatEvent::Answering { answered, failed } => {
                self.answered = Some(answered);
                self.failed = failed;
            }
            ChatEvent::Text { text } => self.text.push_str(&text),
            ChatEvent::Finished {
                total_ms,
                first_text_ms,
            } => {
                self.total_ms = Some(total_ms);
                self.first_text_ms = first_text_ms;
            }
            ChatEvent::Failed {
                reason,
                failed,
                total_ms,
            } => {
                if self.answered.is_none() {
                    self.failed = failed;
                }
                self.failure = Some(reason);
                self.total_ms = Some(total_ms);
            }
        }
    }
}

/// Reads the streamed lines into `answer` as they arrive.
async fn stream_answer(
    route: String,
    prompt: String,
    answer: RwSignal<Answer>,
) -> Result<(), UiError> {
    use futures::StreamExt;
    let mut stream = test_chat(route, prompt).await?.into_inner();
    let mut pending = String::new();
    while let Some(chunk) = stream.next().await {
        pending.push_str(&chunk?);
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            let event = serde_json::from_str::<ChatEvent>(line.trim()).map_err(|error| {
                UiError::Request {
                    detail: error.to_string(),
                }
            })?;
            answer.update(|a| a.apply(event));
        }
    }
    Ok(())
}

#[component]
pub fn TestChatScreen() -> impl IntoView {
    let i18n = use_i18n();
    let changed = use_live().changes(is_config_change);
    let routes = Resource::new(move || changed.get(), |_| chat_routes());
    let route = RwSignal::new("auto".to_owned());
    let prompt = RwSignal::new(String::new());
    let answer = RwSignal::new(Answer::default());
    let error = RwSignal::new(None::<UiError>);
    // Stop aborts the running action: its stream is dropped, the browser cancels the fetch,
    // and the server's side drops the upstream request.
    let running = StoredValue::new(None::<leptos::prelude::ActionAbortHandle>);
    let send = Action::new_local(move |_: &()| {
        let (given_route, given_prompt) = (route.get_untracked(), prompt.get_untracked());
        async move {
            answer.set(Answer {
                started: true,
                ..Answer::default()
            });
            error.set(stream_answer(given_route, given_prompt, answer).await.err());
        }
    });
    view! {
        <PageHeader
            title=Signal::derive(move || t_string!(i18n, chat.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, chat.intro).to_string())
        />
        <div class="grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
            <Section id="chat-ask" title=Signal::derive(move || t_string!(i18n, chat.prompt).to_string())>
                <form class="space-y-4" on:submit=move |ev| {
                    ev.prevent_default();
                    running.set_value(Some(send.dispatch(())));
                }>
                    <div class="space-y-1">
                        <label for="chat-route" class="block text-sm font-medium text-slate-800 dark:text-slate-200">{t!(i18n, chat.route)}</label>
                        <input id="chat-route" class=INPUT list="chat-routes" autocomplete="off" translate="no"
                            aria-describedby="chat-route-hint"
                            prop:value=move || route.get() on:input=move |ev| route.set(event_target_value(&ev))/>
                        <datalist id="chat-routes">
                            <Transition fallback=|| ()>
                                {move || routes.get().and_then(Result::ok).map(|list| {
                                    list.into_iter().map(|r| view! { <option value=r/> }).collect_view()
                                })}
                            </Transition>
                        </datalist>
                        <p id="chat-route-hint" class="text-xs text-slate-600 dark:text-slate-400">{t!(i18n, chat.route_hint)}</p>
                    </div>
                    <div class="space-y-1">
                        <label for="chat-prompt" class="block text-sm font-medium text-slate-800 dark:text-slate-200">{t!(i18n, chat.prompt)}</label>
                        <textarea id="chat-prompt" class=INPUT rows="5" required
                            placeholder=move || t_string!(i18n, chat.prompt_placeholder).to_string()
                            prop:value=move || prompt.get() on:input=move |ev| prompt.set(event_target_value(&ev))>
                        </textarea>
                    </div>
                    <div class="flex flex-wrap items-center gap-2">
                        <button type="submit" id="chat-send" class=BUTTON_PRIMARY disabled=move || send.pending().get()>
                            {move || if send.pending().get() { t_string!(i18n, chat.sending).to_string() } else { t_string!(i18n, chat.send).to_string() }}
                        </button>
                        <Show when=move || send.pending().get()>
                            <button type="button" id="chat-stop" class=BUTTON_SECONDARY on:click=move |_| {
                                if let Some(handle) = running.try_update_value(Option::take).flatten() {
                                    handle.abort();
                                    answer.update(|a| a.stopped = true);
                                }
                            }>{t!(i18n, chat.stop)}</button>
                        </Show>
                    </div>
                    <ErrorText error/>
                </form>
            </Section>
            <Section id="chat-result" title=Signal::derive(move || t_string!(i18n, chat.answer).to_string())>
                <AnswerPanel answer pending=send.pending()/>
            </Section>
        </div>
    }
}

#[component]
fn AnswerPanel(answer: RwSignal<Answer>, pending: Memo<bool>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let current = answer.get();
        if !current.started {
            return view! {
                <EmptyState title=Signal::derive(move || t_string!(i18n, chat.empty).to_string())/>
            }
            .into_any();
        }
        let waiting = pending.get() && current.answered.is_none() && current.failure.is_none();
        view! {
            <div class="space-y-4">
                <Summary answer=current.clone()/>
                {current.stopped.then(|| view! {
                    <p id="chat-stopped" role="status" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
                        {t!(i18n, chat.stopped)}
                    </p>
                })}
                {current.failure.clone().map(|reason| view! {
                    <p id="chat-failure" role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                        {move || failure_text(i18n.get_locale(), &reason)}
                    </p>
                })}
                <div id="chat-answer" aria-live="polite" aria-busy=move || pending.get().to_string()
                    class="min-h-24 whitespace-pre-wrap rounded-md bg-slate-50 p-4 text-sm leading-relaxed dark:bg-slate-800/60">
                    {if waiting {
                        view! { <span class=MUTED>{t!(i18n, chat.waiting)}</span> }.into_any()
                    } else {
                        // The model's words, not the UI's: never translated.
                        view! { <span translate="no">{current.text.clone()}</span> }.into_any()
                    }}
                </div>
                <AttemptList failed=current.failed.clone() answered=current.answered.clone()/>
            </div>
        }
        .into_any()
    }
}

/// Who answered and how long it took.
#[component]
fn Summary(answer: Answer) -> impl IntoView {
    let i18n = use_i18n();
    let ms = move |value: i64| {
        let ms = value.to_string();
        t_string!(i18n, chat.ms, ms).to_string()
    };
    view! {
        <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            {answer.answered.map(|entry| view! {
                <dt class=MUTED>{t!(i18n, chat.answered_by)}</dt>
                <dd id="chat-entry" class="flex flex-wrap items-center gap-2">
                    <span class="font-mono text-xs">{entry.model}</span>
                    <span class=MUTED>"@ "<span translate="no">{entry.channel}</span></span>
                </dd>
            })}
            {answer.total_ms.map(|total| view! {
                <dt class=MUTED>{t!(i18n, chat.total)}</dt>
                <dd id="chat-total" class="tabular-nums">{move || ms(total)}</dd>
            })}
            {answer.first_text_ms.map(|first| view! {
                <dt class=MUTED>{t!(i18n, chat.first_text)}</dt>
                <dd id="chat-first-text" class="tabular-nums">{move || ms(first)}</dd>
            })}
        </dl>
    }
}

/// The failed attempts in order, then the one that answered.
#[component]
fn AttemptList(failed: Vec<AttemptRecord>, answered: Option<AttemptRecord>) -> impl IntoView {
    let i18n = use_i18n();
    let nothing_failed = failed.is_empty() && answered.is_some();
    let rows: Vec<AttemptRecord> = failed.into_iter().chain(answered).collect();
    if rows.is_empty() {
        return ().into_any();
    }
    view! {
        <div>
            <h3 class="mb-2 text-sm font-semibold">{t!(i18n, chat.attempts)}</h3>
            <ol id="chat-attempts" class="space-y-1 rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800">
                {rows.into_iter().enumerate().map(|(i, a)| {
                    let good = a.error_kind.is_none();
                    let outcome = {
                        let kind = a.error_kind.clone();
                        let status = a.status;
                        move || attempt_outcome(i18n.get_locale(), kind.as_ref(), status)
                    };
                    view! {
                        <li class="flex flex-wrap items-center gap-x-3 gap-y-1" data-ok=good.to_string()>
                            <span class=format!("w-6 text-right tabular-nums {MUTED}")>{i + 1}"."</span>
                            <span class="font-mono text-xs">{a.model.clone()}</span>
                            <span class=MUTED>"@ "<span translate="no">{a.channel.clone()}</span></span>
                            <Badge tone=if good { Tone::Good } else { Tone::Bad } text=Signal::derive(outcome)/>
                            {(a.elapsed_ms > 0).then(|| view! { <span class=format!("tabular-nums {MUTED}")>{format!("{} ms", a.elapsed_ms)}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
            {nothing_failed.then(|| view! { <p class=format!("mt-2 text-xs {MUTED}")>{t!(i18n, chat.attempts_none)}</p> })}
        </div>
    }
    .into_any()
}

/// Why the chat got no complete answer, translated.
fn failure_text(locale: Locale, reason: &ChatFailure) -> String {
    match reason {
        ChatFailure::NoRoute { route } => {
            let route = route.clone();
            td_string!(locale, chat.no_route, route).to_string()
        }
        ChatFailure::AllFailed => td_string!(locale, chat.all_failed).to_string(),
        ChatFailure::Refused { status, detail } => {
            let detail = detail.clone();
            td_string!(locale, chat.refused, status = *status, detail).to_string()
        }
        ChatFailure::Broken { detail } => {
            let detail = detail.clone();
            td_string!(locale, chat.broken, detail).to_string()
        }
        ChatFailure::EmptyPrompt => td_string!(locale, chat.empty_prompt).to_string(),
    }
}
