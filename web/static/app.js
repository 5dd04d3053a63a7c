// moodkiosk page script: talks to the JSON API, follows live events. No framework, no CDN.
"use strict";

const words = JSON.parse(document.getElementById("i18n").textContent);
const t = (text) => words[text] || text;
let csrf = null;

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && !location.pathname.startsWith("/login")) location.assign("/login");
  return response;
}

function setupLogin(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const response = await api("POST", "/api/login", { username: data.get("username"), password: data.get("password") });
    if (response.ok) {
      location.assign("/");
      return;
    }
    const error = document.getElementById("login-error");
    error.textContent = response.status === 429 ? (await response.json()).error : t("Wrong user name or password");
    error.hidden = false;
  });
}

function render(state) {
  csrf = state.csrf || csrf;
  const mood = state.mood;
  document.getElementById("mood").textContent = !mood ? t("Nothing yet") : mood.emotion ? t(mood.emotion) : t("Nobody here");
  document.getElementById("mood-detail").textContent =
    mood && mood.emotion ? `${Math.round(mood.confidence * 100)}% · ${t("faces")}: ${mood.faces} · ${t("since")} ${new Date(mood.since * 1000).toLocaleTimeString()}` : "";
  const track = state.track;
  document.getElementById("track-title").textContent = track ? track.title : "-";
  document.getElementById("track-playlist").textContent = track ? `(${track.playlist})` : "";
  document.getElementById("track-reason").textContent = track && track.reason ? `${t("because")}: ${track.reason}` : "";
  document.getElementById("like").hidden = !(state.player && state.player.playing);
  const camera = document.getElementById("camera");
  const cameraState = state.camera.state;
  camera.textContent = cameraState === "open" ? t("watching") : cameraState === "none" ? t("off") : cameraState === "offline" || cameraState === "stalled" ? t("offline") : cameraState;
  camera.className = "pill" + (cameraState === "open" ? " on" : cameraState === "offline" || cameraState === "stalled" ? " bad" : "");
  camera.title = state.camera.detail || "";
  const player = state.player || {};
  const pause = document.getElementById("pause-resume");
  pause.dataset.action = player.paused ? "resume" : "pause";
  pause.textContent = player.paused ? t("Resume") : t("Pause");
  const volume = document.getElementById("volume");
  if (document.activeElement !== volume && player.volume !== undefined) volume.value = player.volume;
  const language = document.getElementById("music-language");
  if (state.user && document.activeElement !== language) language.value = state.user.language;
}

async function refreshFavorites() {
  const response = await api("GET", "/api/favorites");
  if (!response.ok) return;
  const { favorites } = await response.json();
  const list = document.getElementById("favorite-list");
  list.replaceChildren(
    ...favorites.map((favorite) => {
      const item = document.createElement("li");
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = `${favorite.title} (${favorite.playlist})`;
      const play = document.createElement("button");
      play.className = "secondary";
      play.textContent = t("Play");
      play.addEventListener("click", () => api("POST", `/api/favorites/${favorite.id}/play`));
      const remove = document.createElement("button");
      remove.className = "secondary";
      remove.textContent = t("Remove");
      remove.addEventListener("click", async () => {
        await api("DELETE", `/api/favorites/${favorite.id}`);
        refreshFavorites();
      });
      item.append(title, play, remove);
      return item;
    }),
  );
  document.getElementById("no-favorites").hidden = favorites.length > 0;
  document.getElementById("play-all").hidden = favorites.length === 0;
}

async function analysePhoto(file, play) {
  const form = new FormData();
  form.append("file", file);
  const response = await fetch(`/api/analyze${play ? "?play=1" : ""}`, { method: "POST", body: form, headers: { "X-CSRF-Token": csrf } });
  const result = await response.json();
  const output = document.getElementById("photo-result");
  const playButton = document.getElementById("photo-play");
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
  const canvas = document.getElementById("photo-canvas");
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

const LANES = ["angry", "disgust", "fear", "sad", "neutral", "surprise", "happy"];
const COLOURS = { angry: "#e5484d", disgust: "#46a758", fear: "#8e4ec6", sad: "#3e63dd", neutral: "#9aa7b4", surprise: "#f76b15", happy: "#ffc53d" };

async function refreshHistory(hours) {
  const response = await api("GET", `/api/history?hours=${hours}`);
  if (!response.ok) return;
  const data = await response.json();
  const svg = document.getElementById("mood-chart");
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
  document.getElementById("plays").replaceChildren(
    ...data.plays.slice(-20).reverse().map((play) => {
      const item = document.createElement("li");
      item.textContent = `${new Date(play.at * 1000).toLocaleString()}: ${play.title} (${play.playlist})`;
      return item;
    }),
  );
}

async function refresh() {
  const response = await api("GET", "/api/state");
  if (response.ok) render(await response.json());
}

function setupKiosk() {
  document.querySelectorAll("button[data-action]").forEach((button) =>
    button.addEventListener("click", async () => {
      await api("POST", `/api/player/${button.dataset.action}`);
      refresh();
    }),
  );
  document.getElementById("volume").addEventListener("change", (event) =>
    api("PUT", "/api/player/volume", { volume: Number(event.target.value) }),
  );
  document.getElementById("music-language").addEventListener("change", async (event) => {
    await api("PUT", "/api/me/language", { language: event.target.value });
    refresh();
  });
  document.getElementById("like").addEventListener("click", async () => {
    await api("POST", "/api/favorites");
    refreshFavorites();
  });
  document.getElementById("play-all").addEventListener("click", () => api("POST", "/api/favorites/play"));
  let historyHours = 24;
  document.querySelectorAll("button[data-hours]").forEach((button) =>
    button.addEventListener("click", () => {
      historyHours = Number(button.dataset.hours);
      refreshHistory(historyHours);
    }),
  );
  refreshHistory(historyHours);
  setInterval(() => refreshHistory(historyHours), 30_000);
  const events = new EventSource("/api/events");
  ["mood", "idle", "track"].forEach((kind) => events.addEventListener(kind, () => refreshHistory(historyHours)));
  const photo = document.getElementById("photo-file");
  photo.addEventListener("change", () => photo.files[0] && analysePhoto(photo.files[0], false));
  document.getElementById("photo-play").addEventListener("click", () => photo.files[0] && analysePhoto(photo.files[0], true));
  document.getElementById("logout").addEventListener("click", async () => {
    await api("POST", "/api/logout");
    location.assign("/login");
  });
  refresh().then(refreshFavorites);
  events.onmessage = refresh;
  ["state", "mood", "idle", "track", "camera", "note", "track-error"].forEach((kind) => events.addEventListener(kind, refresh));
}

const loginForm = document.getElementById("login");
if (loginForm) setupLogin(loginForm);
if (document.getElementById("now")) setupKiosk();
