"""The household web page: aiohttp app, JSON API and live updates."""
