"""``moodkiosk playlist import|list|export|remove``: playlists brought as lists (CSV, M3U, PLS, XSPF).

``import`` names each refused row with its line number and why, stores the rest, and exits 1 if any
row was refused. The daemon picks imported playlists up within a minute.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from device.core.config import Settings
from device.core.errors import MoodkioskError
from device.core.store import Store, database_path
from device.player.imported import ImportedPlaylists, ImportFieldError
from device.player.imports import ListError, export_csv, read_list
from device.player.spotify import is_spotify_link


async def run_playlist_command(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(database_path(settings))
    await store.open()
    try:
        playlists = ImportedPlaylists(store)
        if args.playlist_command == "import":
            return await import_list(playlists, args, settings)
        if args.playlist_command == "list":
            for name, rows, source in await playlists.names():
                print(
                    json.dumps({"name": name, "rows": rows, "source": source})
                    if args.json
                    else f"{name}  {rows} rows  ({source})"
                )
            return 0
        if args.playlist_command == "export":
            rows = await playlists.rows(args.name)
            if rows is None:
                raise MoodkioskError(f"no imported playlist {args.name!r}", "moodkiosk playlist list shows them")
            sys.stdout.write(export_csv(rows))
            return 0
        if not await playlists.remove(args.name):
            raise MoodkioskError(f"no imported playlist {args.name!r}", "moodkiosk playlist list shows them")
        print(f"removed the playlist {args.name}")
        return 0
    finally:
        await store.close()


async def import_list(playlists: ImportedPlaylists, args: argparse.Namespace, settings: Settings) -> int:
    """The same import as the page's upload (ImportedPlaylists.import_list / import_spotify)."""
    try:
        if is_spotify_link(args.file):  # SpotifyError says what Spotify refused
            count = await playlists.import_spotify(args.name, args.file, settings.spotify, args.mood or "", args.language or "")
            print(f"imported {count} tracks from Spotify into the playlist {args.name!r} (each plays its YouTube match)")
            return 0
        path = Path(args.file)
        parsed = await playlists.import_list(args.name, read_list(path), path.name, args.mood or "", args.language or "")
    except ImportFieldError as error:
        raise MoodkioskError(f"--{error.field}: {error}") from error
    except ListError as error:
        raise MoodkioskError(str(error)) from error
    if parsed.note:
        print(f"moodkiosk: {args.file}: {parsed.note}", file=sys.stderr)
    for line, why in parsed.refused:
        where = f"line {line}" if line else "the rest"
        print(f"moodkiosk: {args.file}: {where}: {why}", file=sys.stderr)
    print(f"imported {len(parsed.rows)} rows into the playlist {args.name!r}; {len(parsed.refused)} refused")
    return 1 if parsed.refused else 0
