"""The shared vocabularies, each in one type: emotions (in FER-2013 order: the order of the model's outputs and
of ``eval`` data), where a track comes from, and the camera's states. Compare against these, never a bare string
(tests/test_vocabularies.py); they are ``str`` enums, so they travel as plain text in JSON, SQL and events."""

from enum import StrEnum


class Emotion(StrEnum):
    ANGRY = "angry"
    DISGUST = "disgust"
    FEAR = "fear"
    HAPPY = "happy"
    SAD = "sad"
    SURPRISE = "surprise"
    NEUTRAL = "neutral"


EMOTIONS: tuple[str, ...] = tuple(emotion.value for emotion in Emotion)

# What a face reads as when the model's top probability is below the model's "not sure" threshold
# (``unsure_below`` in its JSON): the seven probabilities are still given, the mood ignores the face.
UNSURE = "unsure"


class TrackSource(StrEnum):
    """Where a track comes from: a file on the kiosk, YouTube, or another address yt-dlp or mpv can play."""

    LOCAL = "local"
    YOUTUBE = "youtube"
    REMOTE = "remote"


class CameraState(StrEnum):
    """The camera's state as the page, the log and Home Assistant see it."""

    OPENING = "opening"
    OPEN = "open"  # frames are analysed ("watching")
    OFFLINE = "offline"  # it failed to open or stopped; retried with growing pauses
    STALLED = "stalled"  # no frame (or an open that never returns) for camera.stall_seconds
    ENDED = "ended"  # a video file ran out
    PAUSED = "paused"  # detection paused by a member (privacy): the camera is closed
    NONE = "none"  # no camera (--camera none, or "auto" found none)
    OFF = "off"  # privacy.mode = no-emotion: the camera is never opened


class Trouble(StrEnum):
    """Why music from a source cannot play, in a word the page says in its own language (the detail, in English,
    goes to the log and behind the admins' "details")."""

    NO_NETWORK = "no-network"  # no internet, or the server does not answer
    BUSY = "busy"  # every yt-dlp turn is taken
    BOT_CHECK = "bot-check"  # YouTube asks to confirm this is not a bot
    GONE = "gone"  # the video or playlist was removed or made private
    NO_PROGRAM = "no-program"  # yt-dlp is missing or cannot run
    EMPTY = "empty"  # the listing has nothing playable
    OTHER = "other"


def vocabularies() -> dict[str, dict[str, str]]:
    """The vocabularies for the page's script (it compares against these names, not its own copies)."""
    kinds = (Emotion, TrackSource, CameraState, Trouble)
    return {kind.__name__: {member.name: member.value for member in kind} for kind in kinds}
