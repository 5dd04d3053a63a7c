"""Settings: one typed model read from a TOML file and ``MOODKIOSK_*`` environment variables.

Precedence, highest first: command-line flags, the admin page (device/core/page_settings.py),
environment variables (``MOODKIOSK_INFERENCE__THREADS=2``; ``__`` separates a section from its
key), the TOML file (``--config FILE``, else ``/etc/moodkiosk/config.toml`` when it exists), the
defaults below.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from device.core.errors import ConfigError
from device.core.faults import FAULTS_ENV
from device.core.labels import EMOTIONS

DEFAULT_CONFIG_PATH = Path("/etc/moodkiosk/config.toml")
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
ENV_PREFIX = "MOODKIOSK_"
LANGUAGE_PATTERN = r"[a-z][a-z-]{0,31}"
MAX_CAMERA_INDEX = 63
MAX_MAPPED = 40  # playlists named in player.mapping, all languages together
ANY_LANGUAGE = "any"
PlaylistNames = str | list[str]


class Section(BaseModel):
    """A table of the config file; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class InferenceSettings(Section):
    """Face detection and emotion classification."""

    face_model: Path = Field(
        MODELS_DIR / "face_detection_short_range.tflite",
        description="MediaPipe BlazeFace short-range model (fetched by `moodkiosk models fetch`)",
    )
    face_backend: Literal["auto", "litert", "mediapipe"] = Field(
        "auto",
        description="what runs the face model: litert (LiteRT, every 64-bit Pi), mediapipe (optional install; "
        "not on a Pi 3 or 4), auto (litert)",
    )
    emotion_model: Path = Field(MODELS_DIR / "emotion_fer_int8.tflite", description="the int8 FER model")
    min_face_score: float = Field(0.5, ge=0.05, le=1.0, description="detector confidence below which a face is ignored")
    min_face_size: int = Field(20, ge=8, le=4096, description="faces smaller than this many pixels are ignored")
    crop_scale: float | None = Field(
        None,
        ge=1.0,
        le=3.0,
        description="side of the classifier crop as a multiple of the detector box; unset: the model's calibrated value",
    )
    threads: int = Field(1, ge=1, le=16, description="CPU threads for the emotion model")


class MoodSettings(Section):
    """How per-frame readings become a calm mood decision (see device/inference/mood.py)."""

    smoothing_seconds: float = Field(2.5, gt=0, le=120, description="time constant of the moving average over readings")
    dwell_seconds: float = Field(3.0, ge=0, le=600, description="a new mood must lead this long before it replaces the old")
    first_dwell_seconds: float = Field(1.5, ge=0, le=600, description="the same for the first mood (nobody was there)")
    lead_margin: float = Field(0.12, ge=0, le=1, description="how far a new mood must lead the current one (probability)")
    min_confidence: float = Field(0.3, ge=0, le=1, description="smoothed probability a mood needs to be decided at all")
    idle_seconds: float = Field(300, ge=1, le=86_400, description="no face for this long: the kiosk goes idle")


class CameraSettings(Section):
    """Where frames come from and how often they are analysed."""

    source: str = Field("auto", description="auto, picamera2[:N], /dev/videoN, usb:N, a file, folder or URL, or none")
    analysis_fps: float = Field(4.0, ge=0.1, le=30, description="frames analysed per second (the newest frame each time)")
    idle_fps: float = Field(
        2.0, ge=0.1, le=30, description="frames analysed per second while nobody has been seen for idle_after_seconds"
    )
    idle_after_seconds: float = Field(10.0, ge=0, le=3600, description="nobody seen this long: analyse at idle_fps")
    loop: bool = Field(False, description="start a video file over when it ends")
    exit_when_source_ends: bool = Field(False, description="stop the daemon when a video file ends (--until-source-ends)")
    stall_seconds: float = Field(10.0, ge=1, le=600, description="no frame for this long: the camera is reopened")
    max_retry_seconds: float = Field(60.0, ge=1, le=3600, description="longest wait between attempts to reopen the camera")
    paused: bool = Field(False, description="detection paused for privacy: the camera stays closed (the page's switch)")

    @field_validator("source")
    @classmethod
    def _check_source(cls, source: str) -> str:
        source = source.strip()
        if not source:
            raise ValueError("give a camera: auto, none, usb:0, /dev/video0, picamera2, a file, a folder or a URL")
        numbered = re.fullmatch(r"(?:usb:|picamera2:|/dev/video)?(\d+)", source)
        if numbered and int(numbered.group(1)) > MAX_CAMERA_INDEX:
            raise ValueError(f"camera number {numbered.group(1)} is out of range (0 to {MAX_CAMERA_INDEX})")
        return source


class PlayerSettings(Section):
    """Music: where it is, which playlist fits which mood, and when to switch."""

    music_dir: Path | None = Field(None, description="a folder per playlist (happy/, sad/, ...); unset: <state_dir>/music")
    audio_output: str = Field("auto", description="mpv --ao (e.g. auto, alsa, pulse, pipewire, null)")
    output: Literal["local", "snapcast"] = Field(
        "local",
        description="local: the kiosk's own speaker (audio_output); snapcast: every room's snapclient, in sync, through "
        "snapserver's pipe ([snapcast]; the kiosk's own speaker while snapserver is not running)",
    )
    video_output: str = Field("auto", description="mpv --vo (e.g. auto, gpu, drm, null)")
    volume: int = Field(80, ge=0, le=100, description="start volume (percent)")
    strategy: Literal["match", "lift"] = Field("match", description="match: music like the mood; lift: music to lift it")
    mapping: dict[str, PlaylistNames | dict[str, PlaylistNames]] = Field(
        default_factory=dict,
        description="emotion -> playlists, e.g. {sad = 'calm'}; a language table overrides for that language "
        "([player.mapping.hindi] sad = ['calm-hindi'])",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["english", "hindi"],
        description="music languages; a subfolder of a playlist named after one tags its tracks (happy/hindi/...)",
    )
    language: str = Field(ANY_LANGUAGE, description="the household's music language when no member has taken over")
    default_searches: bool = Field(
        True, description="a mood without a mapping also plays a YouTube search for it in the kiosk's language"
    )
    search_results: int = Field(15, ge=1, le=50, description="tracks taken from each YouTube search")
    ytdl_path: Path | None = Field(None, description="the yt-dlp program (unset: the one installed with moodkiosk)")
    ytdl_format: str = Field("bestaudio/best", description="yt-dlp format for remote tracks (audio only saves data)")
    remote_refresh_hours: float = Field(6.0, gt=0, le=720, description="list remote playlists and searches again this often")
    cache_max_mb: int = Field(2048, ge=0, le=1_000_000, description="disk for favorites kept for offline play (0: none)")
    cache_track_max_mb: int = Field(60, ge=1, le=2048, description="a favorite larger than this is not kept offline")
    artist_share: float = Field(
        0.5, ge=0, le=1, description="share of picks from favourite artists (the member's who took over, else the household's)"
    )
    skip_seconds: float = Field(
        30.0, ge=0, le=3600, description="a skip this soon after a track starts counts against it for the mood"
    )
    tag_music: bool = Field(
        True, description="hear the files outside the moods' folders and add each to the playlist of the mood it sounds like"
    )
    fallback_playlist: str = Field("neutral", description="played when a mood's playlist is empty or missing")
    switch_at: Literal["track-end", "immediately"] = Field("track-end", description="when a new mood changes the music")
    strong_confidence: float = Field(0.6, ge=0, le=1, description="a mood this sure ...")
    strong_seconds: float = Field(2.0, ge=0, le=600, description="... held this long switches at once, not at track end")
    min_switch_seconds: float = Field(10.0, ge=0, le=3600, description="at least this long between two mood switches")
    idle_action: Literal["fade", "playlist", "keep"] = Field("fade", description="when nobody is seen for mood.idle_seconds")
    idle_playlist: str = Field("idle", description="the playlist for idle_action = 'playlist'")
    fade_seconds: float = Field(5.0, ge=0, le=60, description="length of the fade-out")

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, languages: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(language.strip().lower() for language in languages))
        for language in cleaned:
            check_language(language)
        if ANY_LANGUAGE in cleaned:
            raise ValueError(f"'{ANY_LANGUAGE}' is always offered; list only real languages")
        return cleaned

    @field_validator("language")
    @classmethod
    def _check_language(cls, language: str) -> str:
        return check_language(language.strip().lower())

    @field_validator("mapping")
    @classmethod
    def _check_mapping(cls, mapping: dict[str, Any]) -> dict[str, Any]:
        """Emotion keys name playlists; any other key is a language whose table maps emotions.

        At most MAX_MAPPED playlists in all: each remote one is listed by its own yt-dlp run."""
        cleaned: dict[str, Any] = {}
        for key, value in mapping.items():
            if key in EMOTIONS:
                cleaned[key] = check_playlists(key, value)
            elif isinstance(value, dict):
                language = check_language(key)
                for emotion in value:
                    if emotion not in EMOTIONS:
                        raise ValueError(f"{key}.{emotion}: not an emotion (one of {', '.join(EMOTIONS)})")
                cleaned[language] = {emotion: check_playlists(f"{key}.{emotion}", names) for emotion, names in value.items()}
            else:
                raise ValueError(f"{key!r} is neither an emotion ({', '.join(EMOTIONS)}) nor a language table")
        tables = [value for value in cleaned.values() if isinstance(value, dict)]
        cells = [value for value in cleaned.values() if not isinstance(value, dict)]
        count = sum(len(as_list(names)) for names in cells + [n for table in tables for n in table.values()])
        if count > MAX_MAPPED:
            raise ValueError(f"the mapping names {count} playlists; at most {MAX_MAPPED}")
        return cleaned

    def playlists(self, emotion: str, language: str = ANY_LANGUAGE) -> list[str] | None:
        """The playlists mapped to ``emotion`` for ``language`` (its table first), or None when unmapped."""
        table = self.mapping.get(language)
        if language != ANY_LANGUAGE and isinstance(table, dict) and emotion in table:
            return as_list(table[emotion])
        names = self.mapping.get(emotion)
        return as_list(names) if isinstance(names, (str, list)) else None


def as_list(names: PlaylistNames) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


def check_language(language: str) -> str:
    if not re.fullmatch(LANGUAGE_PATTERN, language):
        raise ValueError(f"{language!r} is not a language name (lower-case letters and '-', e.g. hindi)")
    return language


def check_playlists(key: str, names: Any) -> PlaylistNames:
    """A playlist name, or a non-empty list of them."""
    listed = as_list(names) if isinstance(names, (str, list)) else None
    if not listed or not all(isinstance(name, str) and name.strip() for name in listed):
        raise ValueError(f"{key}: give a playlist name or a list of playlist names")
    return names


class StorageSettings(Section):
    """Where the daemon keeps its state: derived facts only, never frames."""

    state_dir: Path = Field(default_factory=lambda: default_state_dir(), description="database and secrets")
    retention_days: float = Field(30, ge=1, le=3650, description="mood records older than this are deleted (days)")
    events_file: Path | None = Field(None, description="also append every event as a JSON line to this file")


def default_state_dir() -> Path:
    """systemd's $STATE_DIRECTORY when run as a service, else ~/.local/share/moodkiosk."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "moodkiosk"


class WebSettings(Section):
    """The household web page."""

    enabled: bool = Field(True, description="serve the web page and its API")
    host: str = Field("0.0.0.0", description="address to listen on (0.0.0.0: every interface; 127.0.0.1: this machine)")
    port: int = Field(8080, ge=0, le=65535, description="TCP port of the web page (0: any free port)")
    self_signup: bool = Field(False, description="let anyone on the network create a (non-admin) account on the page")
    display_remote: bool = Field(
        False, description="show the kiosk's screen (/display) to other machines too, not only the kiosk"
    )
    metrics: Literal["local", "on", "off"] = Field(
        "local", description="GET /metrics (Prometheus): local = only to this machine, on = to the network, off"
    )
    hostnames: list[str] = Field(
        [],
        description="more names the page answers to, besides its addresses, localhost and this machine's name "
        "(e.g. kiosk.home.arpa); requests for other names are refused (DNS rebinding)",
    )


class MqttSettings(Section):
    """Home Assistant over MQTT: off until ``host`` is set."""

    host: str | None = Field(None, description="the MQTT broker (unset: no MQTT)")
    port: int = Field(1883, ge=1, le=65535, description="the broker's port (8883 is usual with tls)")
    tls: bool = Field(False, description="connect with TLS (the system's certificate authorities)")
    username: str | None = Field(None, description="user name at the broker")
    password: str | None = Field(None, description="password at the broker (shown masked)")
    base_topic: str = Field("moodkiosk", pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_/-]{0,63}$", description="topics start with this")
    discovery_prefix: str = Field(
        "homeassistant", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Home Assistant's MQTT discovery prefix"
    )


class SnapcastSettings(Section):
    """Multi-room playback (player.output = "snapcast"): snapserver on the kiosk, a snapclient in each room."""

    fifo: Path = Field(Path("/tmp/snapfifo"), description="snapserver's pipe source the music is written to (48000:16:2)")
    stream: str = Field("default", min_length=1, max_length=64, description="that source's name in snapserver (name=...)")
    host: str = Field("127.0.0.1", min_length=1, max_length=253, description="snapserver's control API (JSON-RPC over TCP)")
    control_port: int = Field(1705, ge=1, le=65535, description="snapserver's TCP control port ([tcp] port)")


class LlmSettings(Section):
    """An optional language model for a "listening brief" per mood change: off until ``url`` is set."""

    url: str | None = Field(
        None,
        pattern=r"^https?://[^\s]+$",
        description="an OpenAI-compatible API base, e.g. http://192.168.1.5:11434/v1 (Ollama); unset: no language model",
    )
    model: str = Field("llama3.2", min_length=1, max_length=100, description="the model's name at that endpoint")
    api_key: str | None = Field(None, description="sent as a Bearer token when set (shown masked)")
    timeout_seconds: float = Field(10.0, gt=0, le=120, description="how long to wait for an answer")
    queries: int = Field(3, ge=1, le=5, description="how many YouTube search queries to ask for")
    cache_minutes: float = Field(60.0, ge=0, le=24 * 60, description="how long a brief is kept per mood and language")


class SpotifySettings(Section):
    """Reading Spotify playlist links (track names only): off until both are set."""

    client_id: str | None = Field(None, max_length=100, description="your Spotify app's client id (developer.spotify.com)")
    client_secret: str | None = Field(None, max_length=100, description="its client secret (shown masked)")
    api_base: str = Field(
        "https://api.spotify.com/v1/", pattern=r"^https?://\S+/$", description="Spotify's Web API (another only for a stand-in)"
    )
    token_url: str = Field(
        "https://accounts.spotify.com/api/token", pattern=r"^https?://\S+$", description="Spotify's token endpoint"
    )


class PrivacySettings(Section):
    """Where the kiosk may read faces, and what people in front of it are told (the EU AI Act)."""

    mode: Literal["home", "public", "no-emotion"] = Field(
        "home",
        description="home: a household's own kiosk; public: a notice on the pages, the operator named, hourly history "
        "only; no-emotion: the camera is never opened (workplaces, schools)",
    )
    operator: str | None = Field(None, max_length=120, description="who runs the kiosk (required in public mode)")
    contact: str | None = Field(None, max_length=200, description="how to reach them (required in public mode)")

    @model_validator(mode="after")
    def _public_names_its_operator(self) -> PrivacySettings:
        if self.mode == "public" and not (self.operator and self.contact):
            raise PydanticCustomError(  # a type of its own: the admin page says it in its words, at the field
                "public_needs_operator",
                "privacy.mode = 'public' needs privacy.operator and privacy.contact (shown in the notice)",
            )
        return self

    def notice(self) -> str | None:
        """What the pages tell everyone in public mode (None elsewhere)."""
        if self.mode != "public":
            return None
        return (
            f"This kiosk uses a camera to recognise the emotions on the faces in front of it and chooses music by them. "
            f"No pictures are stored or sent anywhere; only the mood of each hour is kept. Run by {self.operator} "
            f"({self.contact})."
        )


class Settings(BaseSettings):
    """Everything moodkiosk can be told; each section is a TOML table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="how much the log says (under systemd: journalctl -u moodkiosk)"
    )
    inference: InferenceSettings = InferenceSettings()
    mood: MoodSettings = MoodSettings()
    camera: CameraSettings = CameraSettings()
    player: PlayerSettings = PlayerSettings()
    storage: StorageSettings = StorageSettings()
    web: WebSettings = WebSettings()
    mqtt: MqttSettings = MqttSettings()
    snapcast: SnapcastSettings = SnapcastSettings()
    llm: LlmSettings = LlmSettings()
    spotify: SpotifySettings = SpotifySettings()
    privacy: PrivacySettings = PrivacySettings()

    @property
    def music_dir(self) -> Path:
        return self.player.music_dir or self.storage.state_dir / "music"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


def default_config_path() -> Path | None:
    """The system config file when it exists, else None (defaults and environment only)."""
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.is_file() else None


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from ``path`` (TOML), the environment and ``overrides``.

    ``overrides`` are nested dicts, e.g. ``inference={"threads": 2}`` (command-line flags).
    Raises ConfigError naming each bad key and what it expects.
    """
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist", "check the --config path, or leave it out")
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"config file {path} cannot be read: {error}", "check its permissions") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path} is not valid TOML: {error}", "fix the syntax at that line") from error

    unknown = unknown_environment_keys()
    if unknown:
        raise ConfigError(
            "unknown environment variable(s): " + ", ".join(unknown),
            f"remove them or fix the spelling; {ENV_PREFIX}SECTION__KEY sets [section] key, "
            "`moodkiosk config keys` lists every setting",
        )

    class FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return FileSettings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as error:
        where = f"{path} or {ENV_PREFIX}* environment variables" if path else f"{ENV_PREFIX}* environment variables"
        problems = "\n".join(f"  - {describe_problem(item)}" for item in error.errors())
        raise ConfigError(
            f"invalid settings (from {where}):\n{problems}",
            "correct or remove the keys named above; `moodkiosk config keys` lists every setting",
        ) from None


def unknown_environment_keys(environ: dict[str, str] | None = None) -> list[str]:
    """``MOODKIOSK_*`` variables that name no setting (pydantic-settings would ignore them)."""
    environ = dict(os.environ) if environ is None else environ
    unknown = []
    for name in sorted(environ):
        if not name.upper().startswith(ENV_PREFIX) or name == FAULTS_ENV:
            continue
        *sections, key = name[len(ENV_PREFIX) :].lower().split("__")
        model = section_model(sections)
        if model is None or key not in model.model_fields:
            unknown.append(name)
    return unknown


def describe_problem(item: Any) -> str:
    """One line for one pydantic error: the dotted key, the problem and the value given."""
    location = [str(part) for part in item["loc"]]
    key = ".".join(location)
    if item["type"] == "extra_forbidden":
        section = section_model(location[:-1])
        known = ", ".join(section.model_fields) if section else "?"
        return f"{key}: unknown setting (known here: {known})"
    if item["type"] == "model_type" or item["type"] == "dict_type":
        return f"{key}: should be a table of settings ([{key}]), got {item['input']!r}"
    return f"{key}: {item['msg']} (got {item['input']!r})"


def section_model(path: list[str]) -> type[BaseModel] | None:
    """The model class of the section at ``path`` (empty path: the top level)."""
    model: type[BaseModel] = Settings
    for name in path:
        field = model.model_fields.get(name)
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def iter_setting_docs(model: type[BaseModel] = Settings, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted key, default, description) for every setting, for `moodkiosk config keys`."""
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += iter_setting_docs(annotation, f"{prefix}{name}.")
        else:
            rows.append((f"{prefix}{name}", repr(field.get_default(call_default_factory=True)), field.description or ""))
    return rows
