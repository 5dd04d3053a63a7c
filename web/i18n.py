"""The page's words in English and Hindi. Keys are English phrases; a missing Hindi entry falls back."""

from __future__ import annotations

from collections.abc import Callable

UI_LANGUAGES = {"en": "English", "hi": "हिन्दी"}

HINDI = {
    "Sign in": "साइन इन करें",
    "User name": "उपयोगकर्ता नाम",
    "Password": "पासवर्ड",
    "Sign out": "साइन आउट",
    "Now playing": "अभी चल रहा है",
    "Mood": "मूड",
    "Nothing yet": "अभी कुछ नहीं",
    "Nobody here": "यहाँ कोई नहीं",
    "Camera": "कैमरा",
    "watching": "देख रहा है",
    "off": "बंद",
    "offline": "ऑफ़लाइन",
    "Pause": "रोकें",
    "Resume": "जारी रखें",
    "Next": "अगला",
    "Previous": "पिछला",
    "Volume": "आवाज़",
    "Music language": "संगीत की भाषा",
    "English": "अंग्रेज़ी",
    "Hindi": "हिन्दी",
    "Any": "कोई भी",
    "faces": "चेहरे",
    "since": "से",
    "because": "क्योंकि",
    "Wrong user name or password": "गलत उपयोगकर्ता नाम या पासवर्ड",
    "Like": "पसंद करें",
    "History": "इतिहास",
    "Day": "दिन",
    "Week": "सप्ताह",
    "Played": "चलाए गए",
    "Mood over time": "समय के साथ मूड",
    "Try a photo": "फ़ोटो आज़माएँ",
    "Photo": "फ़ोटो",
    "Pick a photo or take one: the kiosk reads the faces in it. The photo is not kept.": (
        "फ़ोटो चुनें या लें: कियोस्क उसमें चेहरे पढ़ता है। फ़ोटो रखी नहीं जाती।"
    ),
    "Play this mood": "यह मूड चलाएँ",
    "No face found": "कोई चेहरा नहीं मिला",
    "Favorites": "पसंदीदा",
    "Play all": "सब चलाएँ",
    "Play": "चलाएँ",
    "Remove": "हटाएँ",
    "No favorites yet: like the playing track.": "अभी कोई पसंदीदा नहीं: चल रहा गाना पसंद करें।",
    "angry": "गुस्सा",
    "disgust": "घृणा",
    "fear": "डर",
    "happy": "खुश",
    "sad": "उदास",
    "surprise": "आश्चर्य",
    "neutral": "सामान्य",
}
CATALOGS = {"en": {}, "hi": HINDI}


def translator(language: str) -> Callable[[str], str]:
    catalog = CATALOGS.get(language, {})
    return lambda text: catalog.get(text, text)


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    """The UI language: the visitor's choice (cookie), else Hindi when the browser prefers it."""
    if cookie in UI_LANGUAGES:
        return cookie
    first = (accept_language or "").split(",")[0].strip().lower()
    return "hi" if first.startswith("hi") else "en"
