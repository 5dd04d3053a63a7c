"""The language model's listening brief against a stand-in chat endpoint on 127.0.0.1: good answers,
fenced JSON, nonsense, extra keys, a stall and a 500; what is sent; the cache."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest

from device.core.config import LlmSettings
from device.player.listening_brief import Ask, ListeningBriefs
from tests.llm_server import GOOD, LlmServer

BUILT_IN = ["happy upbeat songs"]
ASK = Ask("happy", 0.82, "hindi", artists=("Lata Mangeshkar",), liked=("Apex Aleph",))


@pytest.fixture(scope="module")
def server() -> Iterator[LlmServer]:
    stand_in = LlmServer()
    yield stand_in
    stand_in.close()


def briefs(server: LlmServer, mode: str, clock: list[float] | None = None, **settings: object) -> ListeningBriefs:
    now = clock or [0.0]
    return ListeningBriefs(LlmSettings(url=server.url(mode), **settings), clock=lambda: now[0])


def test_a_good_answer_becomes_the_brief_and_only_the_mood_and_taste_are_sent(server: LlmServer) -> None:
    server.requests.clear()
    brief = asyncio.run(briefs(server, "good", queries=2).brief(ASK, BUILT_IN))
    assert brief.source == "llm" and brief.text == GOOD["brief"] and brief.note == ""
    assert brief.queries == tuple(GOOD["queries"][:2])  # as many as asked for
    (sent,) = server.requests
    prompt = sent["messages"][-1]["content"]
    assert "happy (82% sure)" in prompt and "hindi" in prompt and "Lata Mangeshkar" in prompt and "Apex Aleph" in prompt
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["brief", "queries"]
    assert "face" not in json.dumps(sent).lower()  # nothing about faces


def test_an_answer_sent_in_two_writes_is_read_whole(server: LlmServer) -> None:
    """Issue 26, finding 11: the answer was read in one read(), so one sent in two writes was refused."""
    brief = asyncio.run(briefs(server, "split").brief(ASK, BUILT_IN))
    assert brief.source == "llm" and brief.queries == tuple(GOOD["queries"])


def test_a_fenced_answer_is_understood(server: LlmServer) -> None:
    brief = asyncio.run(briefs(server, "fenced").brief(ASK, BUILT_IN))
    assert brief.source == "llm" and brief.queries == tuple(GOOD["queries"])


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("nonsense", "was not the JSON asked for"),
        ("extra", "was not the JSON asked for"),  # strict: keys nobody asked for are refused
        ("error", "answered HTTP 500"),
        ("stall", "did not answer within 1 s"),
        ("nested", "was not the JSON asked for"),  # issue 26, finding 11: it escaped as a RecursionError
    ],
)
def test_bad_answers_give_the_built_in_words_and_say_why(server: LlmServer, mode: str, why: str) -> None:
    started = time.monotonic()
    brief = asyncio.run(briefs(server, mode, timeout_seconds=1).brief(ASK, BUILT_IN))
    assert brief.source == "built-in" and brief.queries == tuple(BUILT_IN) and brief.text == ""
    assert why in brief.note and brief.note.endswith("the built-in search words are used")
    assert time.monotonic() - started < 5  # a stall costs the timeout, no more


def test_an_unreachable_model_is_said_too() -> None:
    unreachable = ListeningBriefs(LlmSettings(url="http://127.0.0.1:9/v1", timeout_seconds=2))
    brief = asyncio.run(unreachable.brief(ASK, BUILT_IN))
    assert brief.source == "built-in" and "cannot be reached" in brief.note


def test_answers_are_cached_per_mood_and_language_for_a_while(server: LlmServer) -> None:
    clock = [0.0]
    asker = briefs(server, "good", clock, cache_minutes=10)
    server.requests.clear()
    asyncio.run(asker.brief(ASK, BUILT_IN))
    asyncio.run(asker.brief(ASK, BUILT_IN))
    assert len(server.requests) == 1
    asyncio.run(asker.brief(Ask("happy", 0.9, "english"), BUILT_IN))  # another language: asked again
    assert len(server.requests) == 2
    clock[0] = 601.0
    asyncio.run(asker.brief(ASK, BUILT_IN))  # the cache ran out
    assert len(server.requests) == 3


def test_settings_refuse_what_is_not_a_chat_endpoint() -> None:
    for bad in ({"url": "ftp://x/v1"}, {"url": "file:///etc"}, {"queries": 0}, {"timeout_seconds": 0}):
        with pytest.raises(ValueError):
            LlmSettings(**bad)
    assert LlmSettings().url is None  # off unless set
