"""Where the music plays: the kiosk's own speaker, or every room of a Snapcast house (player.output).

With "snapcast", mpv's audio goes (through device.player.snapcast.PcmPump) into snapserver's pipe while
snapserver answers, and to the kiosk's
own speaker (player.audio_output) while it does not, each change said in a note; the rooms
(snapclients) with their volume, mute and whether they play the kiosk's stream are told to the page
and Home Assistant (SpeakersChanged). Nothing of the kiosk's state depends on snapserver: it may stop
and come back while the music plays on.
"""

from __future__ import annotations

import asyncio
import logging

from device.core.config import Settings
from device.core.events import EventBus, Note, SpeakersChanged
from device.kiosk.jukebox import Jukebox
from device.player.snapcast import PcmPump, Room, Snapcast, SpeakerError, local_options, mpv_options

log = logging.getLogger("moodkiosk")
CHECK_SECONDS = 2.0  # how often snapserver is asked whether it runs (and for its rooms)


class Speakers:
    def __init__(self, settings: Settings, jukebox: Jukebox, bus: EventBus) -> None:
        self.output = settings.player.output
        self.snapcast = Snapcast(settings.snapcast)
        self.pump = PcmPump(settings.storage.state_dir / "snapcast.pcm", settings.snapcast.fifo)
        self.jukebox, self.bus = jukebox, bus
        self.on_snapcast = False  # mpv's audio goes to snapserver's pipe now
        self.detail = ""  # why it does not (the first check has not run: "")
        self._told: SpeakersChanged | None = None

    @property
    def enabled(self) -> bool:
        return self.output == "snapcast"

    async def first_route(self) -> dict | None:
        """Before mpv starts: the audio options for Snapcast when snapserver runs now (None: the local speaker)."""
        if not self.enabled:
            return None
        try:
            self.pump.start()
        except OSError as error:
            self.output, self.detail = "local", f"the kiosk's pipe for Snapcast: {error}"
            self._say_local()
            return None
        if await self._reachable():
            self.on_snapcast = True
            self.bus.publish(Note("playing in every room through Snapcast"))
            return mpv_options(self.pump.source)
        self._say_local()
        return None

    async def keep_up(self) -> None:
        """The speakers chore: follow snapserver as it stops and comes back, and tell about the rooms."""
        while self.enabled:
            await self.check()
            await asyncio.sleep(CHECK_SECONDS)

    async def check(self) -> None:
        reachable = await self._reachable()
        if reachable != self.on_snapcast:
            await self._route(reachable)
        self._tell()

    async def _reachable(self) -> bool:
        if not await self.snapcast.check():
            self.detail = f"snapserver does not answer at {self.snapcast.settings.host}:{self.snapcast.settings.control_port}"
            return False
        problem = self.pump.target_problem()
        self.detail = problem or ""
        return problem is None

    async def _route(self, to_snapcast: bool) -> None:
        player = self.jukebox.player
        if player is not None:
            options = mpv_options(self.pump.source) if to_snapcast else local_options(self.jukebox.settings.audio_output)
            await asyncio.to_thread(player.reroute, options)
        self.pump.drain(pipe=not to_snapcast)  # snapserver reads its pipe again: leave it to it
        self.on_snapcast = to_snapcast
        if to_snapcast:
            self.bus.publish(Note("playing in every room through Snapcast again"))
        else:
            self._say_local()

    def _say_local(self) -> None:
        log.warning("Snapcast: %s", self.detail)
        self.bus.publish(Note("Snapcast is not running: playing on the kiosk's own speaker"))

    def _tell(self) -> None:
        event = SpeakersChanged(self.output, self.on_snapcast, [room.to_json() for room in self.rooms()], self.detail)
        if self._told is None or (event.on_snapcast, event.rooms, event.detail) != (
            self._told.on_snapcast,
            self._told.rooms,
            self._told.detail,
        ):
            self._told = event
            self.bus.publish(event)

    def rooms(self) -> list[Room]:
        return self.snapcast.rooms()

    async def change(self, room_id: str, volume: int | None, muted: bool | None, follows: bool | None) -> None:
        """A room's volume, mute or following; SpeakerError when snapserver or the room is not there."""
        if not self.enabled:
            raise SpeakerError("the music plays on the kiosk only (player.output = local)")
        if volume is not None:
            await self.snapcast.set_volume(room_id, volume)
        if muted is not None:
            await self.snapcast.set_muted(room_id, muted)
        if follows is not None:
            await self.snapcast.set_follows(room_id, follows)
        await self.snapcast.check()  # the rooms as snapserver has them now
        self._tell()

    def close(self) -> None:
        self.snapcast.close()
        self.pump.close()
