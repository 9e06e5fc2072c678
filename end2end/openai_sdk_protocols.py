"""Drives API Switch with the official `openai` SDK against an Anthropic channel.

Usage: python openai_sdk_protocols.py http://127.0.0.1:PORT
Group `via-anthropic` leads to an anthropic channel: Chat Completions and the Responses API are
both converted to Messages and back. Text and tool calls, streaming and not. Exits non-zero on
any mismatch.
"""

import json
import sys

from openai import OpenAI

base = sys.argv[1]
client = OpenAI(base_url=f"{base}/v1", api_key="any-key-works", max_retries=0)
model = "via-anthropic"
expected = "hello from claude"
messages = [{"role": "user", "content": "What is the weather in Paris?"}]
chat_tools = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]

# Chat Completions
reply = client.chat.completions.create(model=model, messages=messages)
assert reply.choices[0].message.content == expected, reply
assert reply.choices[0].finish_reason == "stop", reply
assert reply.usage is not None and reply.usage.prompt_tokens == 3, reply.usage

text = ""
usage = None
for chunk in client.chat.completions.create(
    model=model, messages=messages, stream=True, stream_options={"include_usage": True}
):
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
    if chunk.usage is not None:
        usage = chunk.usage
assert text == expected, text
assert usage is not None and usage.completion_tokens == 2, usage

reply = client.chat.completions.create(model=model, messages=messages, tools=chat_tools)
call = reply.choices[0].message.tool_calls[0]
assert call.function.name == "get_weather", reply
assert json.loads(call.function.arguments) == {"city": "Paris"}, reply
assert reply.choices[0].finish_reason == "tool_calls", reply

name, arguments, finish = "", "", None
for chunk in client.chat.completions.create(model=model, messages=messages, tools=chat_tools, stream=True):
    if not chunk.choices:
        continue
    for delta in chunk.choices[0].delta.tool_calls or []:
        name += delta.function.name or "" if delta.function else ""
        arguments += delta.function.arguments or "" if delta.function else ""
    finish = chunk.choices[0].finish_reason or finish
assert name == "get_weather", name
assert json.loads(arguments) == {"city": "Paris"}, arguments
assert finish == "tool_calls", finish

# Responses API
response = client.responses.create(model=model, input="What is the weather in Paris?")
assert response.output_text == expected, response

text = ""
completed = None
for event in client.responses.create(model=model, input="What is the weather in Paris?", stream=True):
    if event.type == "response.output_text.delta":
        text += event.delta
    if event.type == "response.completed":
        completed = event.response
assert text == expected, text
assert completed is not None and completed.output_text == expected, completed

responses_tools = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]
response = client.responses.create(model=model, input="Weather in Paris?", tools=responses_tools)
calls = [item for item in response.output if item.type == "function_call"]
assert calls and calls[0].name == "get_weather", response
assert json.loads(calls[0].arguments) == {"city": "Paris"}, response

completed = None
for event in client.responses.create(model=model, input="Weather in Paris?", tools=responses_tools, stream=True):
    if event.type == "response.completed":
        completed = event.response
calls = [item for item in completed.output if item.type == "function_call"]
assert calls and calls[0].name == "get_weather", completed
assert json.loads(calls[0].arguments) == {"city": "Paris"}, completed

print("openai sdk protocols ok")
