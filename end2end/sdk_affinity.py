"""Session affinity seen by the official `openai` and `anthropic` SDKs.

Usage: python sdk_affinity.py http://127.0.0.1:PORT PHASE [ARG]
The upstream answers with `<channel>:<key tag>`, so each answer says which entry and pool key
served it. Group `auto` holds channel A (a pool of 3 keys) then channel B (one key).

PHASE `sticky`: a Chat session (`prompt_cache_key`), a Responses session (`prompt_cache_key`)
and a Messages session (`metadata.user_id`, where Claude Code puts its session) each stay on
one key for every turn, while requests without a session rotate through the pool. Prints
`chat-session=<answer>` and `messages-session=<answer>` last.
PHASE `key-moved` ARG=<the chat session's answer>: the test made that key fail once; the
session moves to another key of the pool once, and stays there after the old key is back.
PHASE `entry-moved` ARG=<the messages session's answer>: the test made channel A fail once;
the session moves to B, and stays on B after A has recovered while requests without a session
are served by A again. Exits non-zero on any mismatch.
"""

import sys
import time

import anthropic
import openai

base, phase = sys.argv[1:3]
arg = sys.argv[3] if len(sys.argv) > 3 else ""
KEY = "sk-as-sdk-affinity-0123456789"
chat_client = openai.OpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0)
messages_client = anthropic.Anthropic(base_url=base, api_key=KEY, max_retries=0)
hi = [{"role": "user", "content": "hi"}]


def chat(session=None):
    extra = {"prompt_cache_key": session} if session else {}
    return chat_client.chat.completions.create(model="auto", messages=hi, **extra).choices[0].message.content


def responses(session):
    return chat_client.responses.create(model="auto", input="hi", prompt_cache_key=session).output_text


def messages(session):
    reply = messages_client.messages.create(
        model="auto", max_tokens=16, messages=hi, metadata={"user_id": session}
    )
    return reply.content[0].text


def same(answers, what):
    assert len(set(answers)) == 1, f"{what} moved between turns: {answers}"
    return answers[0]


if phase == "sticky":
    chat_answer = same([chat("conversation-chat") for _ in range(6)], "the Chat session")
    same([responses("conversation-responses") for _ in range(4)], "the Responses session")
    claude = "user_0123_account__session_5f2b"
    messages_answer = same([messages(claude) for _ in range(6)], "the Messages session")
    rotating = [chat() for _ in range(6)]
    assert len(set(rotating)) == 3, f"requests without a session no longer rotate: {rotating}"
    assert all(a.startswith("A:") for a in rotating), rotating
    print(f"chat-session={chat_answer}")
    print(f"messages-session={messages_answer}")
elif phase == "key-moved":
    moved = chat("conversation-chat")
    assert moved != arg and moved.startswith("A:"), (arg, moved)
    time.sleep(1.3)  # the failed key's Retry-After is over: it is back in the pool
    rest = [chat("conversation-chat") for _ in range(5)]
    assert rest == [moved] * 5, f"the session did not stick to its new key: {moved} then {rest}"
    print(f"moved-to={moved}")
elif phase == "entry-moved":
    claude = "user_0123_account__session_5f2b"
    assert arg.startswith("A:"), arg
    moved = messages(claude)
    assert moved.startswith("B:"), f"the session did not move to channel B: {moved}"
    time.sleep(1.3)  # channel A's one-second cooldown is over
    assert chat().startswith("A:"), "A did not recover"
    rest = [messages(claude) for _ in range(4)]
    assert rest == [moved] * 4, f"the session did not stick to B: {moved} then {rest}"
else:
    raise SystemExit(f"unknown phase {phase}")
print("sdk affinity ok")
