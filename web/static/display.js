// moodkiosk display page: the kiosk's own screen. Read-only; polls /api/display every two seconds.
"use strict";

const words = JSON.parse(document.getElementById("i18n").textContent);
const t = (text) => words[text] || text;
const byId = (id) => document.getElementById(id);
const CAMERA = JSON.parse(byId("vocabulary").textContent).CameraState; // device/core/labels.py
const CAMERA_LINES = { open: "Camera on", paused: "Detection paused", off: "Not reading moods (privacy)", none: "No camera", offline: "Camera off", stalled: "Camera off", opening: "Camera starting", ended: "Camera off" };
const NOT_READING = [CAMERA.PAUSED, CAMERA.OFF, CAMERA.NONE];

function show(state) {
  byId("display-offline").hidden = true;
  byId("display").hidden = false;
  const reading = !NOT_READING.includes(state.camera);
  const mood = state.override || (reading && state.mood && state.mood.emotion);
  document.body.className = `display${mood ? ` mood-${mood}` : ""}`;
  byId("display-mood").classList.toggle("phrase", !mood); // a sentence, not a mood's one word: smaller
  byId("display-mood").textContent = state.override ? t(mood) : !reading ? t("Not reading moods") : !state.mood ? t("Nothing yet") : mood ? t(mood) : t("Nobody here");
  byId("display-mood-detail").textContent = state.override
    ? t("Set by hand")
    : reading && state.mood && state.mood.emotion ? `${Math.round(state.mood.confidence * 100)}%` : "";
  const track = state.track;
  byId("display-title").textContent = track ? track.title : t("Nothing is playing");
  byId("display-artist").textContent = track && track.artist ? track.artist : "";
  byId("display-reason").textContent = track && track.why ? `${t("because")}: ${sayWhy(track.why)}` : "";
  byId("display-playback").hidden = !(track && state.paused);
  const cover = byId("display-cover");
  const source = track && track.thumbnail ? `/api/display/cover?t=${track.since}` : "";
  if (cover.dataset.source !== source) {
    cover.dataset.source = source;
    if (source) cover.src = source;
  }
  cover.hidden = !source;
  byId("display-cover-placeholder").hidden = Boolean(source);
  const camera = byId("display-camera");
  camera.textContent = t(CAMERA_LINES[state.camera] || "Camera off");
  camera.classList.toggle("on", state.camera === CAMERA.OPEN);
  byId("display-notice").textContent = state.notice || "";
  byId("display-notice").hidden = !state.notice;
}

/** The kiosk does not answer (it restarts): say so at once instead of showing a mood and a track it no longer has. */
function showOffline() {
  byId("display").hidden = true;
  byId("display-offline").hidden = false;
  document.body.className = "display";
}

async function refresh() {
  try {
    const response = await fetch("/api/display", { signal: AbortSignal.timeout(3000) });
    if (response.ok) show(await response.json());
    else showOffline();
  } catch {
    showOffline();
  }
}

refresh();
setInterval(refresh, 2000);
