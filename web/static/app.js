// moodkiosk page script: talks to the JSON API, follows live events. No framework, no CDN.
"use strict";

const words = JSON.parse(document.getElementById("i18n").textContent);
const t = (text) => words[text] || text;
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
const tf = (text, values) => fill(t(text), values);
const byId = (id) => document.getElementById(id);
const VOCABULARY = JSON.parse(byId("vocabulary").textContent); // device/core/labels.py: compare against these only
const SOURCE = VOCABULARY.TrackSource;
const CAMERA = VOCABULARY.CameraState;
const TROUBLE = VOCABULARY.Trouble;
const LANGUAGE_NAMES = { english: "English", hindi: "Hindi", any: "Any" };
const languageName = (code) => (LANGUAGE_NAMES[code] ? t(LANGUAGE_NAMES[code]) : code);
const LOCALE = document.documentElement.lang === "hi" ? "hi-IN" : undefined; // Hindi pages: Indian formats
const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" });
const dayName = (seconds) => new Date(seconds * 1000).toLocaleDateString(LOCALE, { weekday: "long", day: "numeric", month: "long" });
const ICONS = { // 24 x 24 paths (Material Design icons, Apache-2.0): no icon font, no emoji font needed
  previous: "M6 6h2v12H6zm3.5 6 8.5 6V6z",
  play: "M8 5v14l11-7z",
  pause: "M6 19h4V5H6v14zm8-14v14h4V5h-4z",
  next: "M6 18l8.5-6L6 6v12zM16 6v12h2V6h-2z",
  heart: "M16.5 3c-1.74 0-3.41.81-4.5 2.09C10.91 3.81 9.24 3 7.5 3 4.42 3 2 5.42 2 8.5c0 3.78 3.4 6.86 8.55 11.54L12 21.35l1.45-1.32C18.6 15.36 22 12.28 22 8.5 22 5.42 19.58 3 16.5 3zm-4.4 15.55-.1.1-.1-.1C7.14 14.24 4 11.39 4 8.5 4 6.5 5.5 5 7.5 5c1.54 0 3.04.99 3.57 2.36h1.87C13.46 5.99 14.96 5 16.5 5c2 0 3.5 1.5 3.5 3.5 0 2.89-3.14 5.74-7.9 10.05z",
  liked: "M12 21.35l-1.45-1.32C5.4 15.36 2 12.28 2 8.5 2 5.42 4.42 3 7.5 3c1.74 0 3.41.81 4.5 2.09C13.09 3.81 14.76 3 16.5 3 19.58 3 22 5.42 22 8.5c0 3.78-3.4 6.86-8.55 11.54L12 21.35z",
  volume: "M3 9v6h4l5 5V4L7 9H3zm13.5 3c0-1.77-1.02-3.29-2.5-4.03v8.05c1.48-.73 2.5-2.25 2.5-4.02zM14 3.23v2.06c2.89.86 5 3.54 5 6.71s-2.11 5.85-5 6.71v2.06c4.01-.91 7-4.49 7-8.77s-2.99-7.86-7-8.77z",
  muted: "M16.5 12c0-1.77-1.02-3.29-2.5-4.03v2.21l2.45 2.45c.03-.2.05-.41.05-.63zm2.5 0c0 .94-.2 1.82-.54 2.64l1.51 1.51C20.63 14.91 21 13.5 21 12c0-4.28-2.99-7.86-7-8.77v2.06c2.89.86 5 3.54 5 6.71zM4.27 3 3 4.27 7.73 9H3v6h4l5 5v-6.73l4.25 4.25c-.67.52-1.42.93-2.25 1.18v2.06c1.38-.31 2.63-.95 3.69-1.81L19.73 21 21 19.73l-9-9L4.27 3zM12 4 9.91 6.09 12 8.18V4z",
};

/** Show ``name``'s icon in a button (its accessible name stays in aria-label). */
function setIcon(control, name) {
  if (control.dataset.icon === name && control.firstChild) return;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  control.replaceChildren(svg);
  control.dataset.icon = name;
}
const EMOTIONS = ["happy", "sad", "neutral", "surprise", "angry", "fear", "disgust"];
let csrf = null;

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    response = new Response(JSON.stringify({ error: t("The kiosk cannot be reached. Try again in a moment.") }), { status: 503 });
  }
  if (response.status === 401 && !location.pathname.startsWith("/login")) location.assign("/login");
  return response;
}

async function errorText(response) {
  try {
    return (await response.json()).error || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

function showMessage(element, text, isError = true) {
  element.textContent = text || "";
  element.classList.toggle("error", isError);
  element.classList.toggle("ok", !isError);
  element.hidden = !text;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, onClick, className = "secondary") {
  const node = element("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

/** Fill a <select> with [value, label] pairs, only when they changed (keeps the choice and focus otherwise). */
function fillSelect(select, options, value) {
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    const kept = select.value;
    select.replaceChildren(...options.map(([optionValue, label]) => new Option(label, optionValue)));
    select.dataset.options = key;
    if (value === undefined && options.some(([optionValue]) => optionValue === kept)) select.value = kept;
  }
  if (value !== undefined && document.activeElement !== select) select.value = value;
}

/** A cover image when there is one, else a coloured square with a note. */
function cover(source, emotion, small) {
  if (source) {
    const image = element("img", small ? "cover small" : "cover");
    image.alt = "";
    image.addEventListener("error", () => image.replaceWith(cover("", emotion, small)), { once: true });
    image.src = source;
    return image;
  }
  const placeholder = element("span", `cover placeholder${small ? " small" : ""}${emotion ? ` mood-${emotion}` : ""}`);
  placeholder.setAttribute("aria-hidden", "true");
  return placeholder;
}

/** A track's cover as the kiosk serves it (when it has one). */
function coverOf(track) {
  return track.cover ? `/api/covers?uri=${encodeURIComponent(track.uri)}` : "";
}

/** Buttons to play a track now, next, or at the end of the queue; ``post(at)`` asks the kiosk. */
function queueButtons(title, post, places = ["now", "next", "end"]) {
  const words = {
    now: ["▶", "Play “{title}” now", "Playing “{title}”."],
    next: ["⤴", "Queue “{title}” to play next", "“{title}” plays next."],
    end: ["+", "Add “{title}” to the queue", "Added “{title}” to the queue."],
  };
  return places.map((at) => {
    const [text, name, done] = words[at];
    const control = button(text, async () => {
      if (await post(at)) announce(tf(done, { title }));
    });
    control.setAttribute("aria-label", tf(name, { title }));
    return control;
  });
}

/** A row of a track list (search, browse): cover, title, where it is from, and its queue buttons. */
function trackRow(track) {
  const item = element("li");
  const where = track.source === SOURCE.YOUTUBE ? t("YouTube") : track.label;
  item.append(cover(coverOf(track), null, true), element("span", "title", track.artist ? `${track.title} · ${track.artist}` : track.title), element("span", "muted", where));
  item.append(...queueButtons(track.title, (at) => act("POST", "/api/queue", { uri: track.uri, at })));
  return item;
}

// Sign-in page
function setupLogin(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const response = await api("POST", "/api/login", { username: data.get("username"), password: data.get("password") });
    if (response.ok) {
      location.assign("/");
      return;
    }
    const text = response.status === 429 ? await errorText(response) : byId("no-accounts") ? t("This kiosk has no accounts yet.") : t("Wrong user name or password");
    showMessage(byId("login-error"), text);
  });
}

function setupSignup(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const response = await api("POST", "/api/signup", { username: data.get("username"), password: data.get("password") });
    if (response.ok) {
      location.assign("/");
      return;
    }
    showMessage(byId("signup-error"), await errorText(response));
  });
}

function setupLogout() {
  byId("logout").addEventListener("click", async () => {
    await api("POST", "/api/logout");
    location.assign("/login");
  });
}

// Main page: the state
let current = null; // the last state from the kiosk
let favorites = []; // the signed-in member's, for the heart
const ticking = { position: null, duration: null, at: 0, running: false };

function render(state) {
  csrf = state.csrf || csrf;
  current = state;
  const player = state.player || {};
  renderMood(state.mood, state.camera || {});
  renderTrack(state.track, player);
  renderCamera(state.camera, state.detection);
  renderPlayer(player);
  renderWhy(state);
  renderQueue(state.queue || { tracks: [] });
  renderNotes(state);
  renderLanguage(state.language, state.user);
  renderOverride(state.override);
  renderSources(state.sources || [], Boolean(state.user && state.user.admin));
  renderSleep(state.sleep);
  renderMediaSession(state.track, player);
}

const SOURCE_WORDS = { ok: "available", failing: "unavailable", listing: "checking" };
const TROUBLE_WORDS = { "no-network": "no internet", busy: "busy: tried again in a moment", "bot-check": "YouTube asks the kiosk to prove it is not a robot", gone: "removed or private", "no-program": "YouTube is not set up on the kiosk", empty: "nothing playable", other: "not working right now" };
const troubleWords = (trouble) => t(TROUBLE_WORDS[trouble] || TROUBLE_WORDS.other);

const SLEEP = { OFF: "off", TRACK: "track" }; // the sleep timer's words (device/kiosk/controls.py), besides minutes

/** The sleep timer: what is set, and until when. */
function renderSleep(sleep) {
  const select = byId("sleep");
  const minutes = ![SLEEP.OFF, SLEEP.TRACK].includes(select.value);
  if (document.activeElement !== select) select.value = !sleep ? SLEEP.OFF : sleep.after_track ? SLEEP.TRACK : minutes ? select.value : "30";
  byId("sleep-status").textContent = !sleep ? "" : sleep.after_track ? t("The music pauses after this track.") : tf("The music pauses at {time}.", { time: clock(sleep.until) });
}

/** The kiosk's own words for what went wrong, behind a disclosure: for admins only (members get one sentence). */
function detailsFor(text) {
  const details = element("details", "detail");
  details.append(element("summary", "", t("Details")), element("p", "detail-text", text));
  return details;
}

/** Remote playlists and searches: shown while one is not working, in a short sentence each; without internet,
 * one calm line for all of them (the local music plays). */
function renderSources(sources, admin) {
  const troubled = sources.filter((source) => source.state !== "ok");
  byId("sources").hidden = troubled.length === 0;
  const failing = troubled.filter((source) => source.state === "failing");
  if (failing.length && failing.every((source) => source.trouble === TROUBLE.NO_NETWORK)) {
    const item = element("li", "", t("No internet: playing your own music."));
    if (admin) item.append(detailsFor(failing.map((source) => `${source.label}: ${source.error}`).join("\n")));
    return byId("source-list").replaceChildren(item);
  }
  byId("source-list").replaceChildren(
    ...sources.map((source) => {
      const item = element("li");
      const pill = element("span", `pill${source.state === "ok" ? " on" : source.state === "failing" ? " bad" : ""}`, t(SOURCE_WORDS[source.state] || source.state));
      item.append(pill, " ", element("span", "", source.label));
      if (source.state === "failing") item.append(" ", element("span", "muted", troubleWords(source.trouble)));
      if (admin && source.error) item.append(detailsFor(source.error));
      return item;
    }),
  );
}

const NOT_READING = { paused: "Not reading moods: detection is paused", off: "Not reading moods (privacy)", none: "No camera" };

function renderMood(mood, camera) {
  const reading = !(camera.state in NOT_READING) || camera.state === CAMERA.OPEN;
  byId("mood").textContent = !reading ? t(NOT_READING[camera.state]) : !mood ? t("Nothing yet") : mood.emotion ? t(mood.emotion) : t("Nobody here");
  byId("correct").hidden = !(reading && mood && mood.emotion);
  byId("mood-detail").textContent =
    mood && mood.emotion ? `${Math.round(mood.confidence * 100)}% · ${t("faces")}: ${mood.faces} · ${t("since")} ${clock(mood.since)}` : "";
}

const liked = (track) => Boolean(track) && favorites.some((favorite) => favorite.uri === track.uri);

function renderTrack(track, player) {
  const playing = Boolean(track && player.playing);
  byId("track-title").textContent = playing ? track.title : player.tracks === 0 ? t("No music yet") : t("Nothing is playing");
  byId("track-artist").textContent = playing && track.artist ? track.artist : "";
  byId("track-playlist").textContent = playing ? `(${track.label || track.playlist})` : "";
  byId("track-reason").textContent = track && track.why ? `${t("because")}: ${sayWhy(track.why)}` : "";
  const heart = byId("like");
  heart.hidden = !playing;
  if (playing) {
    const isLiked = liked(track);
    heart.setAttribute("aria-pressed", String(isLiked));
    heart.setAttribute("aria-label", isLiked ? tf("Unlike “{title}”", { title: track.title }) : tf("Like “{title}”", { title: track.title }));
    setIcon(heart, isLiked ? "liked" : "heart");
  }
  const image = byId("cover");
  const source = playing && track.thumbnail ? `/api/now/thumbnail?t=${track.since}` : "";
  if (image.dataset.source !== source) {
    image.dataset.source = source;
    image.dataset.broken = "";
    if (source) image.src = source;
  }
  image.hidden = !source || image.dataset.broken === "yes";
  const placeholder = byId("cover-placeholder");
  placeholder.hidden = !image.hidden;
  placeholder.className = `cover big placeholder${playing && track.emotion ? ` mood-${track.emotion}` : ""}`;
}

const minutes = (seconds) => {
  const whole = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
};

function renderPlayer(player) {
  const pause = byId("pause-resume");
  const paused = Boolean(player.paused);
  pause.dataset.action = paused ? "resume" : "pause";
  setIcon(pause, paused ? "play" : "pause");
  pause.setAttribute("aria-label", paused ? t("Play") : t("Pause"));
  const volume = byId("volume");
  if (volume.dataset.dragging !== "yes" && player.volume !== undefined) volume.value = player.volume; // follows others
  const mute = byId("mute");
  mute.setAttribute("aria-pressed", String(player.volume === 0));
  mute.setAttribute("aria-label", player.volume === 0 ? t("Unmute") : t("Mute"));
  setIcon(mute, player.volume === 0 ? "muted" : "volume");
  Object.assign(ticking, { position: player.position ?? null, duration: player.duration ?? null, at: performance.now() });
  ticking.running = Boolean(player.playing && !paused);
  const noMusic = !player.available || (player.tracks === 0 && !player.playing); // a favorite may play on
  document.querySelectorAll("#now [data-action], #volume, #mute").forEach((control) => {
    control.disabled = noMusic || document.body.classList.contains("offline");
  });
  tick();
}

/** The seek bar and the times, moved on between pushes from the kiosk's last position. */
function tick() {
  const seek = byId("seek");
  if (seek.dataset.dragging === "yes") return;
  const { duration } = ticking;
  let position = ticking.position;
  const reachable = !document.body.classList.contains("offline"); // the kiosk is down: its clock is unknown
  if (position !== null && ticking.running && reachable) position += (performance.now() - ticking.at) / 1000;
  if (duration) position = Math.min(position ?? 0, duration);
  seek.max = String(Math.max(0, Math.round(duration || 0)));
  seek.value = String(Math.round(position || 0));
  seek.disabled = !duration || document.body.classList.contains("offline");
  const text = duration ? tf("{position} of {duration}", { position: minutes(position), duration: minutes(duration) }) : t("Unknown length");
  seek.setAttribute("aria-valuetext", text);
  byId("elapsed").textContent = minutes(position);
  byId("remaining").textContent = duration ? `-${minutes(duration - (position || 0))}` : "--:--";
}

const MUSIC_WORDS = { happy: "Happy music", sad: "Sad music", neutral: "Calm music", surprise: "Lively music", angry: "Angry music", fear: "Tense music", disgust: "Disgust music" };
const musicOf = (track) => (MUSIC_WORDS[track.playlist] ? t(MUSIC_WORDS[track.playlist]) : track.label || track.playlist);

/** The why, in one sentence (confidence and faces are behind "Details"). */
function renderWhy(state) {
  const { track, mood, override, queue } = state;
  const player = state.player || {};
  const line = byId("why");
  if (!player.available) return (line.textContent = t("Music is off on the kiosk (see the note above)."));
  if (player.tracks === 0 && !player.playing) return (line.textContent = t("Put audio files in folders named after the moods (happy, sad, neutral, …) in the kiosk's music folder, or ask an admin to map a YouTube playlist to a mood."));
  if (!track || !player.playing) return (line.textContent = mood && mood.emotion === null ? t("Nobody is here: the music rests.") : t("Music starts when the kiosk sees someone, or press play on a favorite."));
  const music = musicOf(track);
  let text;
  if (track.requested) text = tf("{music}: {reason}.", { music: track.title, reason: sayWhy(track.why) });
  else if (override) text = tf("{music}: {by} set the mood to {emotion} until {time}.", { music, by: override.by, emotion: t(override.emotion), time: clock(override.until) });
  else if (track.emotion && mood && mood.emotion) {
    const since = mood.emotion === track.emotion ? mood.since : track.since;
    text = tf("{music}: the room looked {emotion} at {time}.", { music, emotion: t(track.emotion), time: clock(since) });
  } else if ((state.camera || {}).state === CAMERA.OFF) text = tf("{music}: this kiosk does not read moods (privacy); set one on this page.", { music });
  else if ([CAMERA.NONE, CAMERA.PAUSED].includes((state.camera || {}).state)) text = tf("{music}: the camera is off, so no mood is read; set one on this page.", { music });
  else if (!track.emotion) text = tf("{music}: nobody has been seen for a while.", { music });
  else text = tf("{music}: the room looked {emotion}.", { music, emotion: t(track.emotion) });
  const next = queue && queue.then;
  if (!override && next && mood && mood.emotion === next && next !== track.emotion && !(queue.tracks || []).length) {
    text += " " + tf("The room looks {emotion} now: its music comes after this song.", { emotion: t(next) });
  }
  line.textContent = text;
  renderBrief(state.brief, track);
}

/** The language model's listening brief for the playing mood (llm settings), or why there is none. */
function renderBrief(brief, track) {
  const line = byId("brief");
  const shown = brief && track && !track.requested && brief.emotion === track.emotion;
  line.hidden = !shown;
  if (!shown) return;
  line.textContent = brief.source === "llm" ? tf("Listening brief: {text}", { text: brief.text }) : t("The language model could not help this time: the built-in search words are used.");
  line.title = brief.source === "llm" ? brief.queries.join(" · ") : brief.note;
}

function renderQueue(queue) {
  const list = byId("queue-list");
  const move = async (entry, position) => {
    if (await act("PUT", `/api/queue/${entry.id}`, { position })) announce(tf("“{title}” is number {number} in the queue.", { title: entry.title, number: position + 1 }));
  };
  list.replaceChildren(
    ...queue.tracks.map((entry, index) => {
      const item = element("li");
      item.draggable = true; // dragging is the pointer's way; the buttons are the keyboard's
      item.dataset.id = entry.id;
      item.addEventListener("dragstart", (event) => event.dataTransfer.setData("text/x-queue-entry", String(index)));
      item.addEventListener("dragover", (event) => event.preventDefault());
      item.addEventListener("drop", (event) => {
        event.preventDefault();
        const from = Number(event.dataTransfer.getData("text/x-queue-entry"));
        if (from !== index) move(queue.tracks[from], index);
      });
      item.append(cover(coverOf(entry), null, true), element("span", "title", entry.artist ? `${entry.title} · ${entry.artist}` : entry.title));
      if (index > 0) {
        const up = button("↑", () => move(entry, index - 1));
        up.setAttribute("aria-label", tf("Move “{title}” up", { title: entry.title }));
        item.append(up);
      }
      if (index < queue.tracks.length - 1) {
        const down = button("↓", () => move(entry, index + 1));
        down.setAttribute("aria-label", tf("Move “{title}” down", { title: entry.title }));
        item.append(down);
      }
      const remove = button("✕", () => act("DELETE", `/api/queue/${entry.id}`));
      remove.setAttribute("aria-label", tf("Remove “{title}” from the queue", { title: entry.title }));
      item.append(remove);
      return item;
    }),
  );
  const then = queue.then ? tf("Then: music for a {emotion} room.", { emotion: t(queue.then) }) : "";
  byId("queue-then").textContent = queue.tracks.length ? then : [t("Nothing queued: search below to pick a song."), then].filter(Boolean).join(" ");
}

/** The daemon's notes (music off, a track that would not play) as banners; each can be put away. */
function renderNotes(state) {
  const hidden = JSON.parse(sessionStorage.getItem("hidden-notes") || "[]");
  const now = Date.now() / 1000;
  const remote = (note) => note.type === "track-error" && note.source !== SOURCE.LOCAL; // the sources card says those
  const notes = (state.notes || []).filter((note) => now - note.at < 600 && !hidden.includes(note.at) && !remote(note)).slice(-3);
  byId("notes").replaceChildren(
    ...notes.map((note) => {
      const banner = element("div", "banner note");
      const text = note.type === "track-error" ? t("A track would not play: the next one plays.") : note.text;
      banner.append(element("span", "", `${clock(note.at)} · ${text}`));
      if (note.type === "track-error" && state.user && state.user.admin) banner.append(detailsFor(note.error));
      const close = button("✕", () => {
        sessionStorage.setItem("hidden-notes", JSON.stringify([...hidden, note.at].slice(-50)));
        banner.remove();
      }, "link");
      close.setAttribute("aria-label", t("Dismiss"));
      banner.append(close);
      return banner;
    }),
  );
}

/** The phone's lock screen and headset buttons (Media Session API), where the browser offers them. */
function renderMediaSession(track, player) {
  if (!("mediaSession" in navigator) || !track) return;
  const artwork = track.thumbnail ? [{ src: `/api/now/thumbnail?t=${track.since}` }] : [{ src: "/static/icon-512.png", sizes: "512x512", type: "image/png" }];
  navigator.mediaSession.metadata = new MediaMetadata({ title: track.title, artist: track.artist || "", album: track.label || track.playlist, artwork });
  navigator.mediaSession.playbackState = player.playing ? (player.paused ? "paused" : "playing") : "none";
}

function announce(text) {
  const region = byId("announce");
  region.textContent = "";
  requestAnimationFrame(() => (region.textContent = text));
}

/** A player action: its failure is said (and announced), never silently lost. */
async function act(method, path, body) {
  const response = await api(method, path, body);
  if (!response.ok) {
    const text = await errorText(response);
    showToast(text);
    return null;
  }
  return response;
}

function showToast(text) {
  const toast = byId("toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => (toast.hidden = true), 6000);
}

const CAMERA_WORDS = { open: "watching", none: "off", offline: "offline", stalled: "offline", paused: "paused", starting: "starting", ended: "ended" };

function renderCamera(camera, detection) {
  const pill = byId("camera");
  const state = camera.state;
  pill.textContent = t(CAMERA_WORDS[state] || state);
  pill.className = "pill" + (state === CAMERA.OPEN ? " on" : state === CAMERA.OFFLINE || state === CAMERA.STALLED ? " bad" : state === CAMERA.PAUSED ? " paused" : "");
  pill.title = camera.detail || "";
  const paused = Boolean(detection && detection.paused);
  const toggle = byId("detection");
  toggle.dataset.paused = String(paused);
  toggle.textContent = paused ? t("Resume detection") : t("Pause detection");
  toggle.setAttribute("aria-pressed", String(paused));
}

function renderLanguage(language, user) {
  if (!language || !user) return;
  const choices = language.choices.includes(user.language) ? language.choices : [...language.choices, user.language];
  fillSelect(byId("music-language"), choices.map((code) => [code, languageName(code)]), user.language);
  fillSelect(byId("recommend-language"), [["", t("The kiosk's language")], ...language.choices.map((code) => [code, languageName(code)])]);
  const any = language.active === "any";
  const values = { language: languageName(language.active), member: language.member };
  const line = language.member
    ? any ? t("Music in any language for {member}") : t("Music in {language} for {member}")
    : any ? t("Music in any language (household)") : t("Music in {language} (household)");
  byId("language-line").textContent = fill(line, values);
  const mine = language.member === user.name;
  const takeover = byId("takeover");
  takeover.dataset.mine = String(mine);
  takeover.textContent = mine ? t("Let go") : t("I'm here");
}

function renderOverride(override) {
  byId("override").hidden = !override;
  if (override) {
    byId("override-text").textContent = tf("{emotion}, set by {by} until {time}", { emotion: t(override.emotion), by: override.by, time: clock(override.until) });
  }
}

async function refresh() {
  const response = await api("GET", "/api/state");
  if (response.ok) render(await response.json());
}

// Main page: lists
async function refreshFavorites() {
  const response = await api("GET", "/api/favorites");
  if (!response.ok) return;
  favorites = (await response.json()).favorites;
  byId("favorite-list").replaceChildren(...favorites.map(favoriteItem));
  byId("no-favorites").hidden = favorites.length > 0;
  byId("play-all").hidden = favorites.length === 0;
  if (current) renderTrack(current.track, current.player || {});
}

function favoriteItem(favorite) {
  const item = element("li");
  const title = element("span", "title", `${favorite.title} (${favorite.label || favorite.playlist})`);
  if (favorite.source !== SOURCE.LOCAL) {
    title.append(" ", element("span", `pill${favorite.offline ? " on" : ""}`, favorite.offline ? t("plays offline") : t("saving for offline")));
  }
  const play = button(t("Play"), () => act("POST", `/api/favorites/${favorite.id}/play`));
  play.setAttribute("aria-label", tf("Play “{title}”", { title: favorite.title }));
  const remove = button(t("Remove"), async () => {
    await act("DELETE", `/api/favorites/${favorite.id}`);
    refreshFavorites();
  });
  remove.setAttribute("aria-label", tf("Remove “{title}” from favorites", { title: favorite.title }));
  item.append(cover(favorite.thumbnail, null, true), title, play);
  item.append(...queueButtons(favorite.title, (at) => act("POST", `/api/favorites/${favorite.id}/queue`, { at }), ["next", "end"]));
  item.append(remove);
  return item;
}

async function refreshRecommendations() {
  const query = new URLSearchParams();
  const emotion = byId("recommend-emotion").value;
  const language = byId("recommend-language").value;
  if (emotion) query.set("emotion", emotion);
  if (language) query.set("language", language);
  const response = await api("GET", `/api/recommendations?${query}`);
  const note = byId("recommend-note");
  if (!response.ok) {
    showMessage(note, await errorText(response));
    return;
  }
  const data = await response.json();
  const summary = data.total === 1 ? t("{emotion} in {language}: playlist {playlists}, 1 track") : t("{emotion} in {language}: playlist {playlists}, {total} tracks");
  byId("recommend-summary").textContent = fill(summary, {
    emotion: t(data.emotion),
    language: data.language === "any" ? t("any language") : languageName(data.language),
    playlists: data.playlists.join(", "),
    total: data.total,
  });
  byId("recommend-list").replaceChildren(
    ...data.tracks.slice(0, 5).map((track) => {
      const item = element("li", "", track.title);
      item.append(" ", element("span", "muted", `(${track.playlist}${track.language ? ` · ${languageName(track.language)}` : ""})`));
      return item;
    }),
  );
  note.classList.remove("error");
  note.textContent = data.note ? t("Some of this music cannot be reached now: the kiosk's own music plays meanwhile.") : "";
  if (data.note && current && current.user && current.user.admin) note.append(detailsFor(data.note));
  note.hidden = !data.note;
}

// Main page: try a photo
async function analysePhoto(file, play) {
  const form = new FormData();
  form.append("file", file);
  const response = await fetch(`/api/analyze${play ? "?play=1" : ""}`, { method: "POST", body: form, headers: { "X-CSRF-Token": csrf } });
  const result = await response.json();
  const output = byId("photo-result");
  const playButton = byId("photo-play");
  if (!response.ok) {
    output.textContent = result.error;
    playButton.hidden = true;
    return;
  }
  output.textContent = result.faces.length
    ? result.faces.map((face) => `${t(face.emotion)} ${Math.round(face.scores[face.emotion] * 100)}%`).join(", ")
    : t("No face found");
  playButton.hidden = result.faces.length === 0;
  drawFaces(file, result);
}

function drawFaces(file, result) {
  const canvas = byId("photo-canvas");
  const image = new Image();
  image.onload = () => {
    canvas.width = result.width;
    canvas.height = result.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0, result.width, result.height);
    context.lineWidth = Math.max(2, result.width / 300);
    context.font = `${Math.max(14, result.width / 40)}px sans-serif`;
    for (const face of result.faces) {
      const [x, y, w, h] = face.box;
      context.strokeStyle = context.fillStyle = "#4fb3ff";
      context.strokeRect(x, y, w, h);
      context.fillText(t(face.emotion), x, Math.max(16, y - 6));
    }
    canvas.hidden = false;
    URL.revokeObjectURL(image.src);
  };
  image.src = URL.createObjectURL(file);
}

// Main page: history
const LANES = ["angry", "disgust", "fear", "sad", "neutral", "surprise", "happy"];
const COLOURS = { angry: "#e5484d", disgust: "#46a758", fear: "#8e4ec6", sad: "#3e63dd", neutral: "#9aa7b4", surprise: "#f76b15", happy: "#ffc53d" };

async function refreshHistory(hours) {
  const response = await api("GET", `/api/history?hours=${hours}`);
  if (!response.ok) return;
  const data = await response.json();
  const svg = byId("mood-chart");
  const ns = "http://www.w3.org/2000/svg";
  const width = Math.max(280, Math.round(svg.getBoundingClientRect().width) || 600); // drawn at its own size: text stays text-sized
  svg.setAttribute("viewBox", `0 0 ${width} 220`);
  const x = (at) => 70 + ((at - data.since) / (data.now - data.since)) * (width - 75);
  const week = data.now - data.since > 2 * 86400;
  const lane = (emotion) => 12 + LANES.indexOf(emotion) * 26;
  const shapes = LANES.map((emotion) => {
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 4);
    label.setAttribute("y", lane(emotion) + 13);
    label.textContent = t(emotion);
    return label;
  });
  data.moods.forEach((mood, index) => {
    if (!mood.emotion) return;
    const end = index + 1 < data.moods.length ? data.moods[index + 1].at : data.now;
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", x(mood.at));
    bar.setAttribute("y", lane(mood.emotion) + 2);
    bar.setAttribute("width", Math.max(2, x(end) - x(mood.at)));
    bar.setAttribute("height", 16);
    bar.setAttribute("fill", COLOURS[mood.emotion]);
    bar.setAttribute("opacity", 0.4 + 0.6 * mood.confidence);
    bar.classList.add("mood-bar");
    shapes.push(bar);
  });
  const every = [4, 6, 8, 12].find((each) => ((width - 75) * each) / 24 >= 56) || 12; // labels at least 56 px apart
  const step = week ? 86400 : every * 3600; // the time axis: a tick a day, or every few hours
  for (let at = Math.ceil(data.since / step) * step; at <= data.now; at += step) {
    const tickLine = document.createElementNS(ns, "line");
    Object.entries({ x1: x(at), x2: x(at), y1: 8, y2: 196 }).forEach(([name, value]) => tickLine.setAttribute(name, value));
    tickLine.classList.add("tick");
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", x(at) + 2);
    label.setAttribute("y", 212);
    label.textContent = week ? new Date(at * 1000).toLocaleDateString(LOCALE, { weekday: "short" }) : clock(at);
    shapes.push(tickLine, label);
  }
  svg.replaceChildren(...shapes);
  renderPlays(data.plays.slice(-30).reverse());
}

/** What played, newest first, a heading per day; local tracks can be played again. */
function renderPlays(plays) {
  const blocks = [];
  let day = "";
  for (const play of plays) {
    const name = dayName(play.at);
    if (name !== day) {
      day = name;
      blocks.push(element("h3", "day", name), element("ul", "tracks"));
    }
    const item = element("li");
    const mood = play.emotion ? element("span", `pill mood-tag mood-${play.emotion}`, t(play.emotion)) : element("span", "pill", t("hand-picked"));
    item.append(cover("", play.emotion, true), element("span", "title", play.title), mood, element("span", "muted", clock(play.at)));
    item.append(...queueButtons(play.title, (at) => act("POST", "/api/history/queue", { uri: play.uri, at })));
    blocks[blocks.length - 1].append(item);
  }
  byId("plays").replaceChildren(...blocks);
}

// Main page: controls
function onClick(id, handler) {
  byId(id).addEventListener("click", handler);
}

async function busy(control, work) {
  control.disabled = true;
  try {
    await work();
  } finally {
    control.disabled = false;
  }
}

function setupPlayerControls() {
  document.querySelectorAll("#now button[data-icon]").forEach((control) => setIcon(control, control.dataset.icon));
  document.querySelectorAll("button[data-action]").forEach((control) =>
    control.addEventListener("click", async () => {
      if (await act("POST", `/api/player/${control.dataset.action}`)) refresh();
    }),
  );
  const setVolume = async (volume) => {
    if (await act("PUT", "/api/player/volume", { volume })) refresh();
  };
  byId("sleep").addEventListener("change", async (event) => {
    const value = event.target.value;
    if (await act("POST", "/api/player/sleep", { sleep: [SLEEP.OFF, SLEEP.TRACK].includes(value) ? value : Number(value) })) refresh();
  });
  const volume = byId("volume");
  volume.addEventListener("input", () => (volume.dataset.dragging = "yes")); // while a finger or the mouse holds it
  volume.addEventListener("change", (event) => {
    volume.dataset.dragging = "";
    setVolume(Number(event.target.value));
  });
  volume.addEventListener("blur", () => (volume.dataset.dragging = ""));
  onClick("mute", () => {
    const volume = current && current.player ? current.player.volume : 0;
    if (volume > 0) sessionStorage.setItem("volume-before-mute", String(volume));
    setVolume(volume > 0 ? 0 : Number(sessionStorage.getItem("volume-before-mute") || 60));
  });
  const seek = byId("seek");
  seek.addEventListener("input", () => {
    seek.dataset.dragging = "yes";
    byId("elapsed").textContent = minutes(Number(seek.value));
  });
  seek.addEventListener("change", async () => {
    const position = Number(seek.value);
    seek.dataset.dragging = "";
    Object.assign(ticking, { position, at: performance.now() });
    if (await act("POST", "/api/player/seek", { position })) refresh();
  });
  onClick("like", async () => {
    const track = current && current.track;
    if (!track) return;
    const favorite = favorites.find((entry) => entry.uri === track.uri);
    const response = favorite ? await act("DELETE", `/api/favorites/${favorite.id}`) : await act("POST", "/api/favorites");
    if (response) announce(favorite ? tf("Removed “{title}” from your favorites.", { title: track.title }) : tf("Added “{title}” to your favorites.", { title: track.title }));
    await refreshFavorites();
  });
  onClick("play-all", () => act("POST", "/api/favorites/play"));
  onClick("detection", (event) =>
    busy(event.currentTarget, async () => {
      await act("POST", `/api/detection/${byId("detection").dataset.paused === "true" ? "resume" : "pause"}`);
      await refresh();
    }),
  );
  setInterval(tick, 500);
}

/** Search the library (title, artist, album folder): play now or add to the queue. */
function setupSearch() {
  const input = byId("search");
  const youtube = byId("search-youtube");
  let timer;
  let latest = 0; // only the newest search's answer is shown
  const run = async (online = false) => {
    const asked = ++latest;
    const query = input.value.trim();
    const status = byId("search-status");
    youtube.hidden = !query;
    if (!query) {
      byId("search-results").replaceChildren();
      status.textContent = "";
      return;
    }
    if (online) status.textContent = t("Searching YouTube…");
    const response = await api("GET", `/api/search?q=${encodeURIComponent(query)}${online ? "&youtube=1" : ""}`);
    if (asked !== latest) return;
    if (!response.ok) return (status.textContent = await errorText(response));
    const { tracks, youtube_trouble: trouble, youtube_error: detail } = await response.json();
    if (trouble) status.textContent = trouble === TROUBLE.NO_NETWORK ? t("No internet: YouTube cannot be searched now.") : tf("YouTube cannot be searched now: {why}.", { why: troubleWords(trouble) });
    else if (online) status.textContent = tracks.length ? tf("{count} found on YouTube", { count: tracks.length }) : t("Nothing found on YouTube.");
    else status.textContent = tracks.length ? tf("{count} found", { count: tracks.length }) : t("Nothing found in the music library.");
    if (trouble && detail) status.append(detailsFor(detail)); // admins only get the detail
    if (trouble) return;
    byId("search-results").replaceChildren(...tracks.map(trackRow));
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  youtube.addEventListener("click", () => {
    clearTimeout(timer);
    busy(youtube, () => run(true));
  });
  byId("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
}

/** While the live connection is down: a banner, controls off; back by itself when the kiosk answers again. */
function setOffline(offline) {
  if (document.body.classList.contains("offline") === offline) return;
  if (offline && ticking.running && ticking.position !== null) {
    ticking.position += (performance.now() - ticking.at) / 1000; // the clock stops where it was when the kiosk went away
    ticking.at = performance.now();
  }
  document.body.classList.toggle("offline", offline);
  byId("offline").hidden = !offline;
  document.querySelectorAll("main.kiosk button, main.kiosk input, main.kiosk select").forEach((control) => {
    if (offline) {
      control.dataset.wasDisabled = String(control.disabled);
      control.disabled = true;
    } else if (control.dataset.wasDisabled !== undefined) {
      control.disabled = control.dataset.wasDisabled === "true";
      delete control.dataset.wasDisabled;
    }
  });
}

function followEvents(onEvent) {
  let events;
  let lastHeard = Date.now();
  const connect = () => {
    events = new EventSource("/api/events");
    events.onopen = () => {
      lastHeard = Date.now();
      setOffline(false);
      onEvent("state");
    };
    events.onerror = () => {
      setOffline(true);
      if (events.readyState === EventSource.CLOSED) setTimeout(connect, 3000); // the browser gave up: try again
    };
    const kinds = ["state", ...JSON.parse(byId("event-kinds").textContent), "ping"]; // every kind the kiosk sends (device/core/events.py)
    kinds.forEach((kind) =>
      events.addEventListener(kind, () => {
        lastHeard = Date.now();
        if (kind !== "ping") onEvent(kind);
      }),
    );
  };
  connect();
  setInterval(() => {
    if (Date.now() - lastHeard > 40_000 && events.readyState !== EventSource.CLOSED) {
      events.close(); // silent for too long (the kiosk's network went away): start again
      setOffline(true);
      connect();
    }
  }, 5000);
}

function setupLanguage() {
  byId("music-language").addEventListener("change", async (event) => {
    const saved = await api("PUT", "/api/me/language", { language: event.target.value });
    const mine = byId("takeover").dataset.mine === "true"; // it plays at once only while the member has taken over
    byId("music-language-status").textContent = !saved.ok ? await errorText(saved) : mine ? t("Saved: the music follows it now.") : t("Saved: press “I'm here” to hear it.");
    refresh();
  });
  onClick("takeover", (event) =>
    busy(event.currentTarget, async () => {
      await api(byId("takeover").dataset.mine === "true" ? "DELETE" : "POST", "/api/takeover");
      await refresh();
    }),
  );
}

function setupMoodOverride() {
  const form = byId("override-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { emotion: byId("override-emotion").value, minutes: Number(byId("override-minutes").value) };
    const response = await api("POST", "/api/mood/override", body);
    showMessage(byId("override-error"), response.ok ? "" : await errorText(response));
    refresh();
  });
  onClick("override-end", async () => {
    const response = await api("DELETE", "/api/mood/override");
    showMessage(byId("override-error"), response.ok || response.status === 409 ? "" : await errorText(response));
    refresh();
  });
}

function setupCorrections() {
  for (const chip of document.querySelectorAll("[data-correct]")) {
    chip.addEventListener("click", async () => {
      const response = await api("POST", "/api/mood/correction", { emotion: chip.dataset.correct });
      const result = byId("correct-result");
      if (!response.ok) return showMessage(result, await errorText(response));
      const answer = await response.json();
      const said = answer.predicted === answer.corrected
        ? tf("Thanks: {emotion} it is.", { emotion: t(answer.corrected) })
        : tf("Thanks: I will lean towards {emotion} a little. Learned from {count} corrections.",
             { emotion: t(answer.corrected), count: answer.learned_from });
      showMessage(result, said, false);
    });
  }
}

function setupPhoto() {
  const photo = byId("photo-file");
  photo.addEventListener("change", () => photo.files[0] && analysePhoto(photo.files[0], false));
  onClick("photo-play", () => photo.files[0] && analysePhoto(photo.files[0], true));
}

/** A list of favourite artists in a card: ``listPath`` lists them, ``path`` takes POST {name}, ``path/<name>`` DELETE. */
function setupArtists(card, path, listPath = path) {
  const list = card.querySelector("ul");
  const error = card.querySelector(".error");
  let shown = 0; // lists shown so far: the first list, answered after an add or remove was shown, is older
  const show = (artists) => {
    shown += 1;
    list.replaceChildren(
      ...artists.map((name) => {
        const item = element("li", "", name);
        item.append(" ", button(t("Remove"), async () => {
          const response = await api("DELETE", `${path}/${encodeURIComponent(name)}`);
          if (response.ok) show((await response.json()).artists);
          else showMessage(error, await errorText(response));
        }));
        return item;
      }),
    );
  };
  card.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = card.querySelector("input");
    const response = await api("POST", path, { name: input.value });
    showMessage(error, response.ok ? "" : await errorText(response));
    if (response.ok) {
      input.value = "";
      show((await response.json()).artists);
    }
  });
  return api("GET", listPath).then(async (response) => {
    const artists = response.ok ? (await response.json()).artists : null;
    if (artists && shown === 0) show(artists);
  });
}

/** Browse the library by mood playlist, artist or folder: the shelves, then one shelf's tracks. */
function setupBrowse() {
  const byButtons = document.querySelectorAll("button[data-by]");
  let by = "mood";
  const showShelf = async (name, title) => {
    const response = await api("GET", `/api/browse?by=${by}&name=${encodeURIComponent(name)}`);
    if (!response.ok) return showToast(await errorText(response));
    byId("shelf-name").textContent = title;
    byId("shelf-tracks").replaceChildren(...(await response.json()).tracks.map(trackRow));
    byId("shelves").hidden = true;
    byId("shelf").hidden = false;
    byId("shelf-back").focus();
  };
  const showShelves = async () => {
    const response = await api("GET", `/api/browse?by=${by}`);
    if (!response.ok) return;
    const { shelves } = await response.json();
    byId("shelves").replaceChildren(
      ...shelves.map((shelf) => {
        const title = by === "mood" ? t(shelf.name) : shelf.name;
        const item = element("li");
        item.append(button(`${title} (${shelf.tracks})`, () => showShelf(shelf.name, title)));
        return item;
      }),
    );
    byId("browse-empty").hidden = shelves.length > 0;
    byId("shelves").hidden = false;
    byId("shelf").hidden = true;
  };
  byButtons.forEach((control) =>
    control.addEventListener("click", () => {
      by = control.dataset.by;
      byButtons.forEach((other) => other.setAttribute("aria-pressed", String(other === control)));
      showShelves();
    }),
  );
  onClick("shelf-back", showShelves);
  showShelves();
}

/** On a phone the tab bar shows one view at a time (the page's sections are one long page on wider screens). */
function setupTabs() {
  const tabs = [...document.querySelectorAll(".tabbar a[data-view]")];
  const show = (view, moveFocus) => {
    document.body.dataset.view = view;
    tabs.forEach((tab) => (tab.dataset.view === view ? tab.setAttribute("aria-current", "page") : tab.removeAttribute("aria-current")));
    if (moveFocus) {
      window.scrollTo(0, 0);
      history.replaceState(null, "", `#${view}`);
    }
  };
  tabs.forEach((tab) =>
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      show(tab.dataset.view, true);
    }),
  );
  const asked = location.hash.slice(1);
  show(tabs.some((tab) => tab.dataset.view === asked) ? asked : "now", false);
}

function setupKiosk() {
  setupPlayerControls();
  setupSearch();
  setupBrowse();
  setupTabs();
  setupLanguage();
  setupMoodOverride();
  setupCorrections();
  setupPhoto();
  setupArtists(byId("artists"), "/api/me/artists");
  setupLogout();
  byId("cover").addEventListener("error", () => {
    byId("cover").dataset.broken = "yes";
    byId("cover").hidden = true;
    byId("cover-placeholder").hidden = false;
  });
  ["recommend-emotion", "recommend-language"].forEach((id) => byId(id).addEventListener("change", refreshRecommendations));
  let historyHours = 24;
  const rangeButtons = document.querySelectorAll("button[data-hours]");
  rangeButtons.forEach((control) =>
    control.addEventListener("click", () => {
      historyHours = Number(control.dataset.hours);
      rangeButtons.forEach((other) => other.setAttribute("aria-pressed", String(other === control)));
      refreshHistory(historyHours);
    }),
  );
  refreshHistory(historyHours);
  setInterval(() => refreshHistory(historyHours), 30_000);
  let drawnWidth = 0; // drawn again when its width changes (a turned phone, a tab that shows it)
  new ResizeObserver(([entry]) => {
    const width = Math.round(entry.contentRect.width);
    if (width && Math.abs(width - drawnWidth) > 1) refreshHistory(historyHours);
    drawnWidth = width;
  }).observe(byId("mood-chart"));
  refresh().then(() => Promise.all([refreshFavorites(), refreshRecommendations()]));
  if ("mediaSession" in navigator) {
    const press = (action) => () => act("POST", `/api/player/${action}`);
    [["play", "resume"], ["pause", "pause"], ["nexttrack", "next"], ["previoustrack", "previous"]].forEach(([name, action]) => {
      try {
        navigator.mediaSession.setActionHandler(name, press(action));
      } catch {
        // this browser does not offer that button
      }
    });
  }
  followEvents((kind) => {
    refresh();
    if (["state", "mood", "idle", "track"].includes(kind)) refreshHistory(historyHours);
    if (["state", "mood", "override", "override-end", "language", "settings", "source"].includes(kind)) refreshRecommendations();
    if (kind === "state") refreshFavorites();
  });
}

const loginForm = byId("login");
if (loginForm) setupLogin(loginForm);
const signupForm = byId("signup");
if (signupForm) setupSignup(signupForm);
if (byId("now")) setupKiosk();
