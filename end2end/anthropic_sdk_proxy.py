"""Drives API Switch's `/v1/messages` with the official `anthropic` SDK.

Usage: python anthropic_sdk_proxy.py http://127.0.0.1:PORT
Group `via-openai` leads to an openai-type channel (the proxy converts Messages <-> Chat
Completions), group `via-anthropic` to an anthropic channel (passed through untouched). Each is
asked for text and for a tool call, streaming and not. Exits non-zero on any mismatch.
"""

import sys

import anthropic

base = sys.argv[1]
client = anthropic.Anthropic(base_url=base, api_key="any-key-works", max_retries=0)
messages = [{"role": "user", "content": "What is the weather in Paris?"}]
tools = [
    {
        "name": "get_weather",
        "description": "The weather of a city",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]

for group, expected in [("via-openai", "hello from openai"), ("via-anthropic", "hello from claude")]:
    reply = client.messages.create(model=group, max_tokens=256, messages=messages)
    assert reply.content[0].type == "text", reply
    assert reply.content[0].text == expected, reply
    assert reply.stop_reason == "end_turn", reply

    with client.messages.stream(model=group, max_tokens=256, messages=messages) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == expected, (group, text)
    assert final.stop_reason == "end_turn", final

    reply = client.messages.create(model=group, max_tokens=256, messages=messages, tools=tools)
    uses = [block for block in reply.content if block.type == "tool_use"]
    assert uses and uses[0].name == "get_weather", reply
    assert uses[0].input == {"city": "Paris"}, reply
    assert reply.stop_reason == "tool_use", reply

    with client.messages.stream(model=group, max_tokens=256, messages=messages, tools=tools) as stream:
        final = stream.get_final_message()
    uses = [block for block in final.content if block.type == "tool_use"]
    assert uses and uses[0].name == "get_weather", (group, final)
    assert uses[0].input == {"city": "Paris"}, (group, final)
    assert final.stop_reason == "tool_use", final

    # Tool result turn: the conversation continues with the call and its result.
    follow_up = messages + [
        {"role": "assistant", "content": [{"type": "tool_use", "id": uses[0].id, "name": "get_weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": uses[0].id, "content": "Sunny, 21 C"}]},
    ]
    reply = client.messages.create(model=group, max_tokens=256, messages=follow_up)
    assert reply.content[0].text == expected, reply

count = client.messages.count_tokens(model="via-openai", messages=messages)
assert count.input_tokens > 0, count

print("anthropic sdk ok")
