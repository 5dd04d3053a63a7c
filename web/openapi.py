"""``GET /api/openapi.json``: the JSON API described for people and tools (OpenAPI 3.1)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from device import __version__
from device.core.labels import EMOTIONS
from web.handling import current_user

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
ERROR: Schema = {"type": "object", "properties": {"error": STRING}, "required": ["error"]}
OK: Schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
EMOTION: Schema = {"type": "string", "enum": list(EMOTIONS)}
LANGUAGE: Schema = {"type": "string", "pattern": "^[a-z][a-z-]{0,31}$"}
USER: Schema = {
    "type": "object",
    "properties": {"name": STRING, "admin": {"type": "boolean"}, "language": STRING},
}
CREDENTIALS: Schema = {
    "type": "object",
    "properties": {"username": STRING, "password": STRING},
    "required": ["username", "password"],
}
FAVORITE: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "uri": STRING,
        "title": STRING,
        "playlist": STRING,
        "source": STRING,
        "thumbnail": {"type": ["string", "null"]},
        "added": {"type": "number"},
        "offline": {"type": "boolean"},
        "label": STRING,
    },
}
SESSION: Schema = {"type": "object", "properties": {"user": USER, "csrf": STRING}}
STATUS_TEXT = {
    "400": "the body is not valid JSON",
    "401": "not signed in (or wrong credentials)",
    "403": "missing or wrong X-CSRF-Token, or not allowed",
    "404": "no such thing",
    "408": "the body did not arrive in time",
    "409": "not possible right now",
    "413": "too large",
    "415": "wrong content type, or a compressed body (Content-Encoding)",
    "422": "a field is missing or invalid",
    "429": "too many attempts, or busy with others (two photos / sign-ins at a time); see Retry-After",
    "502": "a remote service (Spotify) refused or cannot be reached (its reason is given)",
    "503": "the kiosk cannot do it right now (the reason is given)",
}
ARTISTS: Schema = {"type": "array", "items": STRING}
ARTIST: Schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 80}}, "required": ["name"]}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
LIBRARY_TRACK: Schema = {
    "type": "object",
    "properties": {
        "uri": STRING, "title": STRING, "artist": NULLABLE_STRING, "playlist": STRING, "label": STRING,
        "source": STRING, "language": NULLABLE_STRING, "duration": {"type": ["number", "null"]},
        "cover": {"type": "boolean", "description": "a cover at /api/covers?uri=..."},
    },
}  # fmt: skip
ROOM: Schema = {
    "type": "object",
    "properties": {
        "id": STRING, "name": STRING, "connected": {"type": "boolean"}, "volume": {"type": "integer"},
        "muted": {"type": "boolean"}, "follows": {"type": "boolean", "description": "its group plays the kiosk's stream"},
    },
}  # fmt: skip
QUEUE_REQUEST: Schema = {  # a track to queue, by its URI: play it now, next, or at the end
    "type": "object",
    "properties": {"uri": STRING, "at": {"enum": ["now", "next", "end"], "default": "end"}},
    "required": ["uri"],
}
QUEUE: Schema = {
    "type": "object",
    "properties": {
        "tracks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "title": STRING, "artist": NULLABLE_STRING, "playlist": STRING,
                               "label": STRING, "uri": STRING, "source": STRING, "reason": STRING},
            },
        },
        "then": {"description": "the mood whose music follows the queue", "type": ["string", "null"]},
    },
}  # fmt: skip
NAME = {"name": "name", "in": "path", "required": True, "schema": STRING}


def operation(
    summary: str,
    response: Schema | None = None,
    body: Schema | None = None,
    errors: str = "",
    parameters: list[Schema] | None = None,
    status: str = "200",
    public: bool = False,
    media: str = "application/json",
) -> Schema:
    """One operation: its success shape, its body, and the error codes it can answer."""
    responses: Schema = {status: {"description": "success", "content": {media: {"schema": response or OK}}}}
    codes = set(errors.split()) | ({"401"} if not public else set())
    for code in sorted(codes):
        responses[code] = {"description": STATUS_TEXT[code], "content": {"application/json": {"schema": ERROR}}}
    spec: Schema = {"summary": summary, "responses": responses}
    if body is not None:
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if parameters:
        spec["parameters"] = parameters
    if public:
        spec["security"] = []
    return spec


def obj(**properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": list(properties)}


def build_spec() -> Schema:
    changing = "403"
    paths: Schema = {
        "/api/login": {
            "post": operation("Sign in; sets the session cookie", SESSION, CREDENTIALS, "400 401 415 422 429", public=True)
        },
        "/api/signup": {
            "post": operation(
                "Create a household account (when self-signup is on)",
                SESSION,
                CREDENTIALS,
                "400 403 409 415 422 429",
                public=True,
            )
        },
        "/api/logout": {"post": operation("Sign out", errors=changing)},
        "/api/state": {"get": operation("Mood, track, camera, player, language, override and the session's user")},
        "/api/events": {
            "get": operation(
                "Live events (server-sent events): state first, then every kiosk event", STRING, media="text/event-stream"
            )
        },
        "/api/me/language": {
            "put": operation("Your music language", obj(language=LANGUAGE), obj(language=LANGUAGE), "400 403 415 422")
        },
        "/api/takeover": {
            "post": operation("I'm here: the kiosk plays your language", obj(member=STRING, language=STRING), errors=changing),
            "delete": operation("Let go: back to the household language", errors="403 409"),
        },
        "/api/player/{action}": {
            "post": operation(
                "pause, resume, next or previous",
                errors="403 404",
                parameters=[
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": ["pause", "resume", "next", "previous"]},
                    }
                ],
            )
        },
        "/api/player/volume": {
            "put": operation(
                "Set the volume",
                obj(volume={"type": "integer"}),
                obj(volume={"type": "integer", "minimum": 0, "maximum": 100}),
                "400 403 415 422",
            )
        },
        "/api/player/seek": {
            "post": operation(
                "Jump to a position (seconds) in the playing track",
                obj(position={"type": "number"}),
                obj(position={"type": "number", "minimum": 0}),
                "400 403 409 415 422",
            )
        },
        "/api/player/sleep": {
            "post": operation(
                "The sleep timer: the music fades and pauses after this track, or in so many minutes",
                obj(sleep={"description": "as asked"}, until={"type": ["number", "null"]}),
                obj(sleep={"description": "off, track, or minutes from 1 to 720"}),
                "400 403 415 422",
            )
        },
        "/api/queue": {
            "get": operation("Up next: the queued tracks in order, then the mood whose music follows", QUEUE),
            "post": operation(
                "Queue a library track (from search): play it now, next, or at the end",
                QUEUE,
                QUEUE_REQUEST,
                "400 403 415 422",
                status="201",
            ),
        },
        "/api/queue/{id}": {
            "delete": operation("Take a track out of the queue", QUEUE, errors="403 404", parameters=[ID]),
            "put": operation(
                "Move a queued track (position 0: next)",
                QUEUE,
                obj(position={"type": "integer", "minimum": 0}),
                "400 403 404 415 422",
                parameters=[ID],
            ),
        },
        "/api/search": {
            "get": operation(
                "Library tracks whose title, artist or album folder hold every word of q; youtube=1: YouTube's results",
                {
                    **obj(query=STRING, tracks={"type": "array", "items": LIBRARY_TRACK}),
                    "properties": {
                        "query": STRING,
                        "tracks": {"type": "array", "items": LIBRARY_TRACK},
                        "youtube_error": {"type": "string", "description": "why YouTube gave no results (youtube=1)"},
                    },
                },
                errors="422",
                parameters=[
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 200}},
                    {"name": "youtube", "in": "query", "schema": {"enum": ["1"]}, "description": "YouTube's results instead"},
                ],
            )
        },
        "/api/browse": {
            "get": operation(
                "The library by mood playlist, artist or folder: its shelves (name, tracks), or one shelf's tracks",
                obj(by=STRING, name=STRING, shelves={"type": "array"}, tracks={"type": "array", "items": LIBRARY_TRACK}),
                errors="422",
                parameters=[
                    {"name": "by", "in": "query", "required": True, "schema": {"enum": ["mood", "artist", "folder"]}},
                    {"name": "name", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                ],
            )
        },
        "/api/history/queue": {
            "post": operation(
                "Queue a track of the history (any source): play it now, next, or at the end",
                QUEUE,
                QUEUE_REQUEST,
                "400 403 415 422",
                status="201",
            )
        },
        "/api/covers": {
            "get": operation(
                "The cover image of a track the kiosk knows (library, search result, queued)",
                STRING,
                errors="404",
                parameters=[{"name": "uri", "in": "query", "required": True, "schema": {"type": "string"}}],
                media="image/*",
            )
        },
        "/api/speakers": {
            "get": operation(
                "Where the music plays (player.output) and the rooms of a Snapcast house",
                obj(output=STRING, on_snapcast={"type": "boolean"}, rooms={"type": "array", "items": ROOM}, detail=STRING),
            )
        },
        "/api/speakers/{id}": {
            "put": operation(
                "A room's volume, mute, or whether it plays the kiosk's music (Snapcast)",
                obj(output=STRING, on_snapcast={"type": "boolean"}, rooms={"type": "array", "items": ROOM}, detail=STRING),
                obj(
                    volume={"type": "integer", "minimum": 0, "maximum": 100},
                    muted={"type": "boolean"},
                    follows={"type": "boolean"},
                ),
                "400 403 409 415 422",
                parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            )
        },
        "/api/detection/{action}": {
            "post": operation(
                "Pause (the camera closes) or resume emotion detection",
                obj(paused={"type": "boolean"}),
                errors="403 404 503",
                parameters=[{"name": "action", "in": "path", "required": True, "schema": {"enum": ["pause", "resume"]}}],
            )
        },
        "/api/mood/override": {
            "post": operation(
                "Play a mood's music now and hold it for some minutes",
                obj(emotion=EMOTION, minutes={"type": "number"}, until={"type": "number"}, by=STRING),
                {
                    "type": "object",
                    "properties": {"emotion": EMOTION, "minutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 1440}},
                    "required": ["emotion"],
                },
                "400 403 415 422",
            ),
            "delete": operation("End the override: the camera decides again", errors="403 409"),
        },
        "/api/me/artists": {
            "get": operation("Your favourite artists, newest first", obj(artists=ARTISTS)),
            "post": operation(
                "Add a favourite artist: while you have taken over, the music leans to your artists",
                obj(artists=ARTISTS),
                ARTIST,
                "400 403 409 415 422",
                status="201",
            ),
        },
        "/api/me/artists/{name}": {
            "delete": operation("Remove one of your artists", obj(artists=ARTISTS), errors="403 404", parameters=[NAME]),
        },
        "/api/artists": {"get": operation("The household's favourite artists", obj(artists=ARTISTS))},
        "/api/admin/artists": {
            "post": operation(
                "Add a household artist: the music leans to them while nobody has taken over (admin)",
                obj(artists=ARTISTS),
                ARTIST,
                "400 403 409 415 422",
                status="201",
            ),
        },
        "/api/admin/artists/{name}": {
            "delete": operation("Remove a household artist (admin)", obj(artists=ARTISTS), errors="403 404", parameters=[NAME]),
        },
        "/api/mood/correction": {
            "post": operation(
                "Was I right? Say which mood the room is really in; the kiosk leans that way (bounded)",
                obj(predicted=EMOTION, corrected=EMOTION, learned_from={"type": "integer"}, bias={"type": "object"}),
                {"type": "object", "properties": {"emotion": EMOTION}, "required": ["emotion"]},
                "400 403 409 415 422",
            ),
        },
        "/api/recommendations": {
            "get": operation(
                "What the kiosk would play for a mood in a language",
                obj(
                    emotion=EMOTION,
                    language=STRING,
                    playlists={"type": "array", "items": STRING},
                    tracks={"type": "array"},
                    total={"type": "integer"},
                    note={"type": ["string", "null"]},
                ),
                errors="422",
                parameters=[
                    {"name": "emotion", "in": "query", "schema": EMOTION},
                    {"name": "language", "in": "query", "schema": LANGUAGE},
                ],
            )
        },
        "/api/analyze": {
            "post": {
                **operation(
                    "Faces and emotions in a photo (never stored); ?play=1 also plays the mood",
                    obj(
                        faces={"type": "array"},
                        ms={"type": "number"},
                        width={"type": "integer"},
                        height={"type": "integer"},
                        played={"type": ["string", "null"]},
                    ),
                    errors="403 408 409 413 415 422 429 503",
                    parameters=[{"name": "play", "in": "query", "schema": {"enum": ["0", "1"]}}],
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                        }
                    },
                },
            }
        },
        "/api/history": {
            "get": operation(
                "Decided moods and played tracks of the last hours",
                obj(since={"type": "number"}, now={"type": "number"}, moods={"type": "array"}, plays={"type": "array"}),
                errors="422",
                parameters=[
                    {"name": "hours", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 744}}
                ],
            )
        },
        "/api/favorites": {
            "get": operation("Your favorites, newest first", obj(favorites={"type": "array", "items": FAVORITE})),
            "post": operation("Like the playing track", FAVORITE, errors="403 409", status="201"),
        },
        "/api/favorites/play": {"post": operation("Play all your favorites now", errors="403 409")},
        "/api/favorites/{id}": {"delete": operation("Remove a favorite", errors="403 404", parameters=[ID])},
        "/api/favorites/{id}/play": {"post": operation("Play a favorite now", errors="403 404", parameters=[ID])},
        "/api/favorites/{id}/queue": {
            "post": operation(
                "Queue a favorite (any source): play it next, or at the end",
                QUEUE,
                {"type": "object", "properties": {"at": {"enum": ["now", "next", "end"], "default": "end"}}},
                "400 403 404 415 422",
                parameters=[ID],
                status="201",
            )
        },
        "/api/favorites/{id}/thumbnail": {
            "get": operation("A favorite's cover image", STRING, errors="404", parameters=[ID], media="image/*")
        },
        "/api/now/thumbnail": {"get": operation("The playing track's cover image", STRING, errors="404", media="image/*")},
        "/api/admin/users": {
            "get": operation("Accounts (admin)", obj(users={"type": "array", "items": USER}), errors="403"),
            "post": operation(
                "Create an account (admin)",
                USER,
                {**CREDENTIALS, "properties": {**CREDENTIALS["properties"], "admin": {"type": "boolean"}}},
                "400 403 409 415 422",
                status="201",
            ),
        },
        "/api/admin/users/{name}": {"delete": operation("Remove an account (admin)", errors="403 404 409", parameters=[NAME])},
        "/api/admin/users/{name}/password": {
            "put": operation(
                "Set a new password (admin reset)", body=obj(password=STRING), errors="400 403 404 415 422", parameters=[NAME]
            )
        },
        "/api/admin/playlists": {
            "get": operation(
                "Imported playlists: name, rows, source (admin)",
                obj(playlists={"type": "array", "items": obj(name=STRING, rows={"type": "integer"}, source=STRING)}),
                errors="403",
            ),
            "post": {
                **operation(
                    "Import a list (CSV, M3U/M3U8, PLS, XSPF) as a playlist; each refused row named by line (admin)",
                    obj(name=STRING, imported={"type": "integer"}, refused={"type": "array"}, note=STRING),
                    errors="403 408 413 415 422",
                    status="201",
                    parameters=[
                        {"name": "name", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 64}},
                        {"name": "mood", "in": "query", "schema": EMOTION},
                        {"name": "language", "in": "query", "schema": LANGUAGE},
                    ],
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                        }
                    },
                },
            },
        },
        "/api/admin/playlists/spotify": {
            "post": operation(
                "Import a Spotify playlist link's tracks (names only; each plays its YouTube match) (admin)",
                obj(name=STRING, imported={"type": "integer"}, refused={"type": "array"}, note=STRING),
                {
                    "type": "object",
                    "properties": {"link": STRING, "name": STRING, "mood": EMOTION, "language": LANGUAGE},
                    "required": ["link", "name"],
                },
                "400 403 415 422 502",
                status="201",
            )
        },
        "/api/admin/playlists/{name}": {
            "get": operation("An imported playlist's rows (admin)", {"type": "object"}, errors="403 404", parameters=[NAME]),
            "delete": operation("Remove an imported playlist (admin)", errors="403 404", parameters=[NAME]),
        },
        "/api/admin/playlists/{name}/csv": {
            "get": operation(
                "An imported playlist as CSV (formula cells escaped) (admin)",
                STRING,
                errors="403 404",
                parameters=[NAME],
                media="text/csv",
            )
        },
        "/api/admin/playlists/{name}/rows/{row}": {
            "delete": operation(
                "Remove one row (0 is the first) from an imported playlist (admin)",
                {"type": "object"},
                errors="403 404",
                parameters=[NAME, {"name": "row", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}],
            )
        },
        "/api/admin/settings": {
            "get": operation("Page settings with values, origins and schemas (admin)", {"type": "object"}, errors="403"),
            "put": operation(
                "Change page settings: {dotted.key: value}; null goes back to the config file (admin)",
                {"type": "object"},
                {"type": "object", "additionalProperties": True},
                "400 403 409 415 422 503",
            ),
        },
        "/api/admin/corrections": {
            "get": operation(
                "How many corrections the kiosk learned from, and the bias per emotion (admin)",
                obj(learned_from={"type": "integer"}, bias={"type": "object"}),
                errors="403",
            ),
            "delete": operation(
                "Forget every correction (admin)",
                obj(forgotten={"type": "integer"}, learned_from={"type": "integer"}, bias={"type": "object"}),
                errors="403",
            ),
        },
        "/api/openapi.json": {"get": operation("This description", {"type": "object"})},
        "/api/display": {
            "get": operation(
                "What the kiosk's own screen shows (no sign-in; on the kiosk itself, or anywhere when web.display_remote)",
                obj(
                    mood={"type": ["object", "null"]},
                    override={"type": ["string", "null"]},
                    track={"type": ["object", "null"]},
                    camera=STRING,
                    notice={"type": ["string", "null"]},
                    url=STRING,
                ),
                errors="403",
                public=True,
            ),
        },
        "/api/display/cover": {
            "get": operation(
                "The playing track's cover for the kiosk's screen", STRING, errors="403 404", public=True, media="image/*"
            ),
        },
        "/metrics": {
            "get": operation(
                "Prometheus metrics, without sign-in (web.metrics: local = this machine only, on, off)",
                STRING,
                errors="403 404",
                public=True,
                media="text/plain",
            ),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "moodkiosk",
            "version": __version__,
            "description": "The kiosk's JSON API. Sign in with POST /api/login; send the returned csrf value as the "
            'X-CSRF-Token header on every POST, PUT and DELETE. Errors are {"error": "..."}.',
        },
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "moodkiosk_session"}},
        },
        "security": [{"session": []}],
        "paths": paths,
    }


SPEC = build_spec()


async def serve(request: web.Request) -> web.Response:
    await current_user(request)
    return web.json_response(SPEC)
