"""moodkiosk: an emotion-aware music kiosk (the daemon, its CLI and its parts)."""

__version__ = "0.1.0"
