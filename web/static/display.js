// moodkiosk display page: the kiosk's own screen. Read-only; polls /api/display every two seconds.
"use strict";

const words = JSON.parse(document.getElementById("i18n").textContent);
const t = (text) => words[text] || text;
const byId = (id) => document.getElementById(id);
const CAMERA = JSON.parse(byId("vocabulary").textContent).CameraState; // device/core/labels.py

function show(state) {
  const reading = ![CAMERA.PAUSED, CAMERA.OFF, CAMERA.NONE].includes(state.camera);
  const mood = state.override || (reading && state.mood && state.mood.emotion);
  document.body.className = `display${mood ? ` mood-${mood}` : ""}`;
  byId("display-mood").textContent = state.override ? t(mood) : !reading ? t("Not reading moods") : !state.mood ? t("Nothing yet") : mood ? t(mood) : t("Nobody here");
  byId("display-mood-detail").textContent = state.override
    ? t("Set by hand")
    : reading && state.mood && state.mood.emotion ? `${Math.round(state.mood.confidence * 100)}%` : "";
  const track = state.track;
  byId("display-title").textContent = track ? (track.artist ? `${track.title} · ${track.artist}` : track.title) : "-";
  byId("display-reason").textContent = track && track.why ? `${t("because")}: ${sayWhy(track.why)}` : "";
  const cover = byId("display-cover");
  const source = track && track.thumbnail ? `/api/display/cover?t=${track.since}` : "";
  if (cover.dataset.source !== source) {
    cover.dataset.source = source;
    if (source) cover.src = source;
  }
  cover.hidden = !source;
  const on = state.camera === CAMERA.OPEN;
  byId("display-camera").textContent = on ? t("Camera on") : t("Camera off");
  byId("display-camera").classList.toggle("on", on);
  byId("display-notice").textContent = state.notice || "";
  byId("display-notice").hidden = !state.notice;
}

async function refresh() {
  try {
    const response = await fetch("/api/display");
    if (response.ok) show(await response.json());
  } catch {
    // the kiosk restarts: keep the last picture and try again
  }
}

refresh();
setInterval(refresh, 2000);
