"""Drives API Switch's proxy with the official `openai` SDK, streaming and not.

Usage: python openai_sdk_proxy.py http://127.0.0.1:PORT
The configuration (set up by the calling test) puts a dead channel first, so both calls also
prove failover. Exits non-zero with a message on any mismatch.
"""

import sys

import openai
from openai import OpenAI

base = sys.argv[1]
client = OpenAI(base_url=f"{base}/v1", api_key="any-key-works", max_retries=0)
messages = [{"role": "user", "content": "hi"}]

reply = client.chat.completions.create(model="auto", messages=messages)
assert reply.choices[0].message.content == "hello from upstream", reply
assert reply.usage is not None and reply.usage.total_tokens == 5, reply.usage

text = ""
for chunk in client.chat.completions.create(model="gpt-test", messages=messages, stream=True):
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
assert text == "hello from upstream", text

ids = [model.id for model in client.models.list()]
assert "gpt-test" in ids and "auto" in ids, ids

try:
    client.chat.completions.create(model="auto", messages=None)  # type: ignore[arg-type]
    raise AssertionError("a request without messages was accepted")
except openai.BadRequestError as error:
    assert error.status_code == 400, error

print("openai sdk ok")
