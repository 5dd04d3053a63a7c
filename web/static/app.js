// moodkiosk page script: talks to the JSON API, follows live events. No framework, no CDN.
"use strict";

const words = JSON.parse(document.getElementById("i18n").textContent);
const t = (text) => words[text] || text;
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
const tf = (text, values) => fill(t(text), values);
const byId = (id) => document.getElementById(id);
const LANGUAGE_NAMES = { english: "English", hindi: "Hindi", any: "Any" };
const languageName = (code) => (LANGUAGE_NAMES[code] ? t(LANGUAGE_NAMES[code]) : code);
const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
let csrf = null;

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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
    image.src = source;
    return image;
  }
  const placeholder = element("span", `cover placeholder${small ? " small" : ""}${emotion ? ` mood-${emotion}` : ""}`, "♪");
  placeholder.setAttribute("aria-hidden", "true");
  return placeholder;
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
    const text = response.status === 429 ? await errorText(response) : t("Wrong user name or password");
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
function render(state) {
  csrf = state.csrf || csrf;
  renderMood(state.mood);
  renderTrack(state.track, state.player);
  renderCamera(state.camera, state.detection);
  renderPlayer(state.player || {});
  renderLanguage(state.language, state.user);
  renderOverride(state.override);
  renderSources(state.sources || []);
}

const SOURCE_WORDS = { ok: "available", failing: "unavailable", listing: "checking" };

/** Remote playlists and searches: shown while one is not working (and why), so nobody wonders about the music. */
function renderSources(sources) {
  const troubled = sources.filter((source) => source.state !== "ok");
  byId("sources").hidden = troubled.length === 0;
  byId("source-list").replaceChildren(
    ...sources.map((source) => {
      const item = element("li");
      const pill = element("span", `pill${source.state === "ok" ? " on" : source.state === "failing" ? " bad" : ""}`, t(SOURCE_WORDS[source.state] || source.state));
      item.append(pill, " ", element("span", "", source.label));
      if (source.error) item.append(" ", element("span", "muted", source.error));
      return item;
    }),
  );
}

function renderMood(mood) {
  byId("mood").textContent = !mood ? t("Nothing yet") : mood.emotion ? t(mood.emotion) : t("Nobody here");
  byId("correct").hidden = !(mood && mood.emotion);
  byId("mood-detail").textContent =
    mood && mood.emotion ? `${Math.round(mood.confidence * 100)}% · ${t("faces")}: ${mood.faces} · ${t("since")} ${new Date(mood.since * 1000).toLocaleTimeString()}` : "";
}

function renderTrack(track, player) {
  byId("track-title").textContent = track ? (track.artist ? `${track.title} · ${track.artist}` : track.title) : "-";
  byId("track-playlist").textContent = track ? `(${track.label || track.playlist})` : "";
  byId("track-reason").textContent = track && track.reason ? `${t("because")}: ${track.reason}` : "";
  byId("like").hidden = !(player && player.playing);
  const image = byId("cover");
  const source = track && track.thumbnail ? `/api/now/thumbnail?t=${track.since}` : "";
  if (source && image.dataset.source !== source) {
    image.dataset.source = source;
    image.src = source;
  }
  image.hidden = !source;
  const placeholder = byId("cover-placeholder");
  placeholder.hidden = Boolean(source);
  placeholder.className = `cover placeholder${track && track.emotion ? ` mood-${track.emotion}` : ""}`;
}

const CAMERA_WORDS = { open: "watching", none: "off", offline: "offline", stalled: "offline", paused: "paused", starting: "starting", ended: "ended" };

function renderCamera(camera, detection) {
  const pill = byId("camera");
  const state = camera.state;
  pill.textContent = t(CAMERA_WORDS[state] || state);
  pill.className = "pill" + (state === "open" ? " on" : state === "offline" || state === "stalled" ? " bad" : state === "paused" ? " paused" : "");
  pill.title = camera.detail || "";
  const paused = Boolean(detection && detection.paused);
  const toggle = byId("detection");
  toggle.dataset.paused = String(paused);
  toggle.textContent = paused ? t("Resume detection") : t("Pause detection");
  toggle.setAttribute("aria-pressed", String(paused));
}

function renderPlayer(player) {
  const pause = byId("pause-resume");
  pause.dataset.action = player.paused ? "resume" : "pause";
  pause.textContent = player.paused ? t("Resume") : t("Pause");
  const volume = byId("volume");
  if (document.activeElement !== volume && player.volume !== undefined) volume.value = player.volume;
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
  const { favorites } = await response.json();
  byId("favorite-list").replaceChildren(...favorites.map(favoriteItem));
  byId("no-favorites").hidden = favorites.length > 0;
  byId("play-all").hidden = favorites.length === 0;
}

function favoriteItem(favorite) {
  const item = element("li");
  const title = element("span", "title", `${favorite.title} (${favorite.label || favorite.playlist})`);
  if (favorite.source !== "local") {
    title.append(" ", element("span", `pill${favorite.offline ? " on" : ""}`, favorite.offline ? t("plays offline") : t("saving for offline")));
  }
  const play = button(t("Play"), () => api("POST", `/api/favorites/${favorite.id}/play`));
  const remove = button(t("Remove"), async () => {
    await api("DELETE", `/api/favorites/${favorite.id}`);
    refreshFavorites();
  });
  item.append(cover(favorite.thumbnail, null, true), title, play, remove);
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
  note.textContent = data.note || "";
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
  const x = (at) => 70 + ((at - data.since) / (data.now - data.since)) * 525;
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
  svg.replaceChildren(...shapes);
  byId("plays").replaceChildren(
    ...data.plays
      .slice(-20)
      .reverse()
      .map((play) => element("li", "", `${new Date(play.at * 1000).toLocaleString()}: ${play.title} (${play.playlist})`)),
  );
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
  document.querySelectorAll("button[data-action]").forEach((control) =>
    control.addEventListener("click", async () => {
      await api("POST", `/api/player/${control.dataset.action}`);
      refresh();
    }),
  );
  byId("volume").addEventListener("change", (event) => api("PUT", "/api/player/volume", { volume: Number(event.target.value) }));
  onClick("like", async () => {
    await api("POST", "/api/favorites");
    refreshFavorites();
  });
  onClick("play-all", () => api("POST", "/api/favorites/play"));
  onClick("detection", (event) =>
    busy(event.currentTarget, async () => {
      await api("POST", `/api/detection/${byId("detection").dataset.paused === "true" ? "resume" : "pause"}`);
      await refresh();
    }),
  );
}

function setupLanguage() {
  byId("music-language").addEventListener("change", async (event) => {
    await api("PUT", "/api/me/language", { language: event.target.value });
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
  const show = (artists) =>
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
    if (response.ok) show((await response.json()).artists);
  });
}

function setupKiosk() {
  setupPlayerControls();
  setupLanguage();
  setupMoodOverride();
  setupCorrections();
  setupPhoto();
  setupArtists(byId("artists"), "/api/me/artists");
  setupLogout();
  byId("cover").addEventListener("error", () => {
    byId("cover").hidden = true;
    byId("cover-placeholder").hidden = false;
  });
  ["recommend-emotion", "recommend-language"].forEach((id) => byId(id).addEventListener("change", refreshRecommendations));
  let historyHours = 24;
  document.querySelectorAll("button[data-hours]").forEach((control) =>
    control.addEventListener("click", () => {
      historyHours = Number(control.dataset.hours);
      refreshHistory(historyHours);
    }),
  );
  refreshHistory(historyHours);
  setInterval(() => refreshHistory(historyHours), 30_000);
  refresh().then(() => Promise.all([refreshFavorites(), refreshRecommendations()]));
  const events = new EventSource("/api/events");
  events.onmessage = refresh;
  const stateEvents = ["state", "mood", "idle", "track", "camera", "note", "track-error", "override", "override-end", "language", "settings", "source"];
  stateEvents.forEach((kind) => events.addEventListener(kind, refresh));
  ["mood", "idle", "track"].forEach((kind) => events.addEventListener(kind, () => refreshHistory(historyHours)));
  ["mood", "override", "override-end", "language", "settings"].forEach((kind) => events.addEventListener(kind, refreshRecommendations));
}

const loginForm = byId("login");
if (loginForm) setupLogin(loginForm);
const signupForm = byId("signup");
if (signupForm) setupSignup(signupForm);
if (byId("now")) setupKiosk();
