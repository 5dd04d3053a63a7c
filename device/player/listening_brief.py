"""An optional language model's "listening brief": once per mood change, an OpenAI-compatible chat
endpoint (Ollama, a llama.cpp server, ... on the LAN or the kiosk) turns the mood into a short brief
and a few YouTube search queries. Strictly parsed (a JSON schema), cached per mood and language,
and never needed: slow, failing or nonsense answers give the built-in search words, and say so.

Only the mood word, its confidence, the music language, the favourite artists and the titles of
recently liked tracks are sent: nothing about faces, nobody's name.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from device.core.config import LlmSettings

log = logging.getLogger("moodkiosk.llm")
MAX_ANSWER_BYTES = 64 * 1024


class BriefAnswer(BaseModel):
    """What the model must answer: exactly these keys."""

    model_config = ConfigDict(extra="forbid")

    brief: str = Field(min_length=3, max_length=240)
    queries: list[str] = Field(min_length=1, max_length=5)

    def cleaned_queries(self, wanted: int) -> list[str]:
        """Distinct, printable, single-line queries (at most 80 characters each), at most ``wanted``."""
        seen: dict[str, str] = {}
        for query in self.queries:
            text = " ".join(query.split())[:80]
            if text and text.isprintable() and text.casefold() not in seen:
                seen[text.casefold()] = text
        return list(seen.values())[:wanted]


SCHEMA = BriefAnswer.model_json_schema()


@dataclass(frozen=True)
class Ask:
    """What the kiosk tells the model: the mood and the household's taste, nothing about faces."""

    emotion: str
    confidence: float
    language: str
    artists: tuple[str, ...] = ()
    liked: tuple[str, ...] = ()  # titles of recently liked tracks

    def prompt(self, queries: int) -> str:
        taste = []
        if self.artists:
            taste.append(f"Favourite artists: {', '.join(self.artists[:5])}.")
        if self.liked:
            taste.append(f"Recently liked: {', '.join(self.liked[:5])}.")
        language = "any language" if self.language == "any" else self.language
        return (
            f"The room looks {self.emotion} ({self.confidence:.0%} sure). Music language: {language}. {' '.join(taste)}\n"
            f"Write a one-sentence listening brief (at most 200 characters) for music that suits this room, and "
            f"{queries} YouTube search queries for it. Answer with JSON only: "
            '{"brief": "...", "queries": ["...", ...]}'
        )


@dataclass(frozen=True)
class Brief:
    """The brief for a mood and language: from the model, or the built-in words (``note`` says why)."""

    emotion: str
    language: str
    text: str
    queries: tuple[str, ...]
    source: str  # "llm" or "built-in"
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "emotion": self.emotion, "language": self.language, "text": self.text,
            "queries": list(self.queries), "source": self.source, "note": self.note,
        }  # fmt: skip


class BriefError(Exception):
    """The model did not give a usable answer; the message says why in a page's words."""


class ListeningBriefs:
    """Asks the model, parses strictly, caches per (mood, language) for ``cache_minutes``."""

    def __init__(self, settings: LlmSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings, self._clock = settings, clock
        self._cache: dict[tuple[str, str], tuple[float, Brief]] = {}

    @property
    def enabled(self) -> bool:
        return self.settings.url is not None

    async def brief(self, ask: Ask, built_in: list[str]) -> Brief:
        """The model's brief for ``ask`` (cached), else the built-in search words with a note why."""
        key = (ask.emotion, ask.language)
        cached = self._cache.get(key)
        if cached and self._clock() - cached[0] < self.settings.cache_minutes * 60:
            return cached[1]
        try:
            answer = await asyncio.wait_for(self._ask(ask), self.settings.timeout_seconds)
        except TimeoutError:
            why = f"the language model did not answer within {self.settings.timeout_seconds:g} s"
        except BriefError as error:
            why = str(error)
        else:
            queries = answer.cleaned_queries(self.settings.queries)
            if queries:
                brief = Brief(ask.emotion, ask.language, " ".join(answer.brief.split()), tuple(queries), "llm")
                self._cache[key] = (self._clock(), brief)
                return brief
            why = "the language model's queries were empty"
        log.warning("listening brief for %s: %s; using the built-in search words", ask.emotion, why)
        return Brief(ask.emotion, ask.language, "", tuple(built_in), "built-in", f"{why}; the built-in search words are used")

    async def _ask(self, ask: Ask) -> BriefAnswer:
        url = str(self.settings.url).rstrip("/") + "/chat/completions"
        body = {
            "model": self.settings.model,
            "messages": [
                {"role": "system", "content": "You pick music for a room. You answer with JSON only."},
                {"role": "user", "content": ask.prompt(self.settings.queries)},
            ],
            "temperature": 0.7,
            "response_format": {"type": "json_schema", "json_schema": {"name": "listening_brief", "schema": SCHEMA}},
        }
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        try:
            async with (
                aiohttp.ClientSession(trust_env=False) as session,
                session.post(url, json=body, headers=headers) as response,
            ):
                raw = b""
                while len(raw) <= MAX_ANSWER_BYTES:  # an answer may come in many writes: read to its end, bounded
                    chunk = await response.content.read(MAX_ANSWER_BYTES + 1 - len(raw))
                    if not chunk:
                        break
                    raw += chunk
                if response.status != 200:
                    raise BriefError(f"the language model answered HTTP {response.status}")
        except aiohttp.ClientError as error:
            raise BriefError(f"the language model cannot be reached ({error.__class__.__name__})") from error
        if len(raw) > MAX_ANSWER_BYTES:
            raise BriefError("the language model's answer was too long")
        try:
            content = json.loads(raw)["choices"][0]["message"]["content"]
            return BriefAnswer.model_validate_json(strip_fence(content))
        except (ValueError, KeyError, IndexError, TypeError, ValidationError, RecursionError):  # [[[[...
            raise BriefError("the language model's answer was not the JSON asked for") from None


def strip_fence(text: str) -> str:
    """Models often wrap JSON in a Markdown code fence: take what is inside."""
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text
