"""Playback through mpv and the music sources it plays from."""
