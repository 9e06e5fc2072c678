"""Limits per access key seen by the official `openai` and `anthropic` SDKs.

Usage: python sdk_limits.py http://127.0.0.1:PORT PHASE AGENT_KEY EDITOR_KEY DAILY_KEY
Key `agent` allows 2 requests a minute, `daily` 5 tokens a day (one answer), `editor` has no
limits. PHASE `over`: `agent` gets 429 with `Retry-After` as each SDK's RateLimitError (Chat,
Responses, Messages), `daily` once its tokens are used, with `x-should-retry: false` so the SDK
does not retry; `editor` is unaffected. PHASE `raised` (after the test raised agent's limit):
agent's next request goes through at once. Exits non-zero on any mismatch.
"""

import sys
import time

import anthropic
import openai

base, phase, agent_key, editor_key, daily_key = sys.argv[1:6]


def openai_client(key, retries=0):
    return openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=retries)


def anthropic_client(key, retries=0):
    return anthropic.Anthropic(base_url=base, api_key=key, max_retries=retries)


messages = [{"role": "user", "content": "hi"}]


def chat(client):
    return client.chat.completions.create(model="gpt-test", messages=messages)


def check_limited(error, what):
    assert error.status_code == 429, error
    retry_after = int(error.response.headers["retry-after"])
    assert retry_after >= 1, retry_after
    assert what in str(error), (what, str(error))
    return retry_after


if phase == "over":
    agent = openai_client(agent_key)
    for _ in range(2):
        assert chat(agent).choices[0].message.content == "hello from upstream"
    try:
        chat(agent)
        raise AssertionError("the third request of the minute was let through")
    except openai.RateLimitError as error:
        retry_after = check_limited(error, "access key 'agent' is over its limit of 2 requests per minute")
        assert retry_after <= 60, retry_after
        assert error.code == "access_key_limit_exceeded", error.code
    try:
        agent.responses.create(model="gpt-test", input="hi")
        raise AssertionError("Responses let through over the limit")
    except openai.RateLimitError as error:
        check_limited(error, "2 requests per minute")
    try:
        anthropic_client(agent_key).messages.create(model="gpt-test", max_tokens=16, messages=messages)
        raise AssertionError("Messages let through over the limit")
    except anthropic.RateLimitError as error:
        check_limited(error, "2 requests per minute")
        assert error.body["error"]["type"] == "rate_limit_error", error.body

    # Other keys are unaffected.
    assert chat(openai_client(editor_key)).choices[0].message.content == "hello from upstream"
    reply = anthropic_client(editor_key).messages.create(model="gpt-test", max_tokens=16, messages=messages)
    assert reply.content[0].text == "hello from upstream", reply

    # A day's tokens: the first answer uses them up; the SDK (retries on) gives up at once.
    daily = openai_client(daily_key, retries=2)
    chat(daily)
    limited = None
    for _ in range(40):
        started = time.monotonic()
        try:
            chat(daily)
            time.sleep(0.05)  # the first answer's tokens are counted as its row is recorded
        except openai.RateLimitError as error:
            limited = error
            break
    assert limited is not None, "the day's tokens never ran out"
    check_limited(limited, "5 tokens per day")
    assert limited.response.headers["x-should-retry"] == "false"
    assert time.monotonic() - started < 5, "the SDK waited to retry a day's limit"
    try:
        anthropic_client(daily_key, retries=2).messages.create(model="gpt-test", max_tokens=16, messages=messages)
        raise AssertionError("Messages let through over the day's tokens")
    except anthropic.RateLimitError as error:
        check_limited(error, "5 tokens per day")
    print("limited ok")
elif phase == "raised":
    agent = openai_client(agent_key)
    assert chat(agent).choices[0].message.content == "hello from upstream"
    reply = anthropic_client(agent_key).messages.create(model="gpt-test", max_tokens=16, messages=messages)
    assert reply.content[0].text == "hello from upstream", reply
    print("raised ok")
else:
    raise SystemExit(f"unknown phase {phase}")
