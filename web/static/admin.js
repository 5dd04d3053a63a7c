// moodkiosk admin page: household accounts and the settings the page may change.
// Uses api(), errorText(), showMessage(), element(), button(), fillSelect(), t(), tf() and languageName() from app.js.
"use strict";

const ANY = "any";
const OTHER = "__other__"; // the camera select's "other…" choice
const CHOICE_LABELS = {
  match: "Match the mood",
  lift: "Lift the mood (sad → happy, angry → neutral)",
  "track-end": "At the end of the track",
  immediately: "At once",
  fade: "Fade out",
  playlist: "Play the idle playlist",
  keep: "Keep playing",
  auto: "Automatic (first camera found)",
  none: "No camera",
};
const SOURCE_LABELS = { page: "from the page", config: "from the config file", flag: "set by a command-line flag" };

let page = null; // the last answer of GET /api/admin/settings
const row = (key) => page.settings.find((setting) => setting.key === key);
const settingForms = () => document.querySelectorAll("form.settings");

/** JSON with sorted object keys: two settings values compare equal whatever their key order. */
function stable(value) {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${stable(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const splitNames = (text) => text.split(",").map((name) => name.trim()).filter(Boolean);
const asNames = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);
const namesValue = (names) => (names.length === 1 ? names[0] : names);

// Users
async function loadUsers() {
  const response = await api("GET", "/api/admin/users");
  if (!response.ok) {
    showMessage(byId("users-status"), await errorText(response));
    return;
  }
  const { users } = await response.json();
  byId("user-list").replaceChildren(...users.map(userItem));
}

function userItem(user) {
  const me = byId("users").dataset.me;
  const item = element("li");
  item.dataset.user = user.name;
  const who = element("div", "who");
  who.append(element("strong", "user-name", user.name), " ", element("span", `pill${user.admin ? " on" : ""}`, user.admin ? t("Admin") : t("Member")));
  who.append(" ", element("span", "muted", languageName(user.language)));
  if (user.name === me) who.append(" ", element("span", "muted", t("(you)")));
  const actions = element("div", "user-actions");
  actions.append(button(t("Reset password"), () => resetPassword(user.name)));
  if (user.name !== me) actions.append(button(t("Remove"), () => removeUser(user.name), "danger"));
  item.append(who, actions);
  return item;
}

/** A password dialog (the password is typed hidden, never into a plain prompt); errors stay in the dialog. */
function resetPassword(name) {
  const dialog = byId("password-dialog");
  const form = byId("password-form");
  byId("password-heading").textContent = tf("New password for {name} (at least 8 characters):", { name });
  form.reset();
  showMessage(byId("password-error"), "");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const password = form.elements.password.value;
    const response = await api("PUT", `/api/admin/users/${encodeURIComponent(name)}/password`, { password });
    if (!response.ok) return showMessage(byId("password-error"), await errorText(response));
    dialog.close();
    showMessage(byId("users-status"), tf("New password set for {name}.", { name }), false);
  };
  byId("password-cancel").onclick = () => dialog.close();
  dialog.showModal();
}

async function removeUser(name) {
  if (!confirm(tf("Remove the account {name} and its favorites?", { name }))) return;
  const response = await api("DELETE", `/api/admin/users/${encodeURIComponent(name)}`);
  showMessage(byId("users-status"), response.ok ? tf("Removed {name}.", { name }) : await errorText(response), !response.ok);
  loadUsers();
}

function setupAddUser() {
  const form = byId("add-user");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const name = data.get("username");
    const body = { username: name, password: data.get("password"), admin: data.get("admin") === "on" };
    const response = await api("POST", "/api/admin/users", body);
    const status = byId("add-user-status");
    if (!response.ok) {
      showMessage(status, await errorText(response));
      return;
    }
    form.reset();
    showMessage(status, tf("Added {name}.", { name }), false);
    loadUsers();
  });
}

// Settings: reading and writing one control
function choicesFor(kind, setting) {
  if (kind === "enum") return setting.schema.enum || [];
  if (kind === "languages") return [...row("player.languages").value, ANY];
  if (kind === "cameras") return page.cameras;
  return [];
}

const choiceLabel = (kind, value) => (kind === "languages" ? languageName(value) : CHOICE_LABELS[value] ? t(CHOICE_LABELS[value]) : value);

function writeControl(box, setting) {
  const control = box.querySelector("[data-field]");
  const kind = control.dataset.choices;
  if (kind) {
    const values = choicesFor(kind, setting);
    const options = values.map((value) => [value, choiceLabel(kind, value)]);
    if (kind === "cameras") options.push([OTHER, t("Other…")]);
    else if (!values.includes(setting.value)) options.push([setting.value, setting.value]);
    fillSelect(control, options);
    const other = kind === "cameras" && !values.includes(setting.value);
    control.value = other ? OTHER : setting.value;
    if (kind === "cameras") showOther(box, other ? setting.value : "");
  } else if (control.type === "checkbox") {
    control.checked = Boolean(setting.value);
  } else if (control.dataset.kind === "list") {
    control.value = asNames(setting.value).join(", ");
  } else {
    control.value = setting.value;
  }
  if (control.type === "number") {
    const schema = setting.schema;
    const minimum = schema.minimum ?? schema.exclusiveMinimum;
    if (minimum !== undefined) control.min = minimum;
    if (schema.maximum !== undefined) control.max = schema.maximum;
  }
}

function showOther(box, value) {
  const other = box.querySelector(".other");
  other.hidden = box.querySelector("[data-field]").value !== OTHER;
  if (value !== undefined) other.querySelector("input").value = value;
}

function readControl(box) {
  const control = box.querySelector("[data-field]");
  if (control.type === "checkbox") return control.checked;
  if (control.type === "number") return Number(control.value);
  if (control.dataset.kind === "list") return splitNames(control.value.toLowerCase());
  if (control.value === OTHER) return box.querySelector("[data-other]").value.trim();
  return control.value;
}

// Settings: the playlist mapping grid (rows: moods; columns: any language, then each music language)
function mappingLanguages(mapping) {
  const tables = Object.keys(mapping).filter((key) => !page.emotions.includes(key));
  return [ANY, ...new Set([...row("player.languages").value, ...tables])];
}

function mappedNames(mapping, emotion, language) {
  return asNames(language === ANY ? mapping[emotion] : (mapping[language] || {})[emotion]);
}

function defaultNames(emotion, language, grid) {
  if (language !== ANY) {
    const anyCell = grid.querySelector(`input[data-emotion="${emotion}"][data-language="${ANY}"]`);
    const names = anyCell ? splitNames(anyCell.value) : [];
    if (names.length) return names;
  }
  return [page.strategies[row("player.strategy").value][emotion] || emotion]; // what plays when the mapping names nothing
}

function writeMapping(box, setting) {
  const grid = box.querySelector("table");
  const mapping = setting.value || {};
  const languages = mappingLanguages(mapping);
  const head = element("tr");
  head.append(element("th", "", t("Mood")), ...languages.map((language) => element("th", "", language === ANY ? t("Any language") : languageName(language))));
  const rows = page.emotions.map((emotion) => {
    const line = element("tr", `mood-${emotion}`);
    line.append(element("th", "mood-name", t(emotion)));
    for (const language of languages) {
      const cell = element("td");
      cell.dataset.label = language === ANY ? t("Any language") : languageName(language);
      const input = element("input");
      input.dataset.emotion = emotion;
      input.dataset.language = language;
      input.setAttribute("list", "playlist-names");
      input.setAttribute("autocomplete", "off");
      input.setAttribute("aria-label", `${t(emotion)} × ${language === ANY ? t("Any language") : languageName(language)}`);
      input.value = mappedNames(mapping, emotion, language).join(", ");
      cell.append(input);
      line.append(cell);
    }
    return line;
  });
  const thead = element("thead");
  thead.append(head);
  const tbody = element("tbody");
  tbody.append(...rows);
  grid.replaceChildren(thead, tbody);
  updatePlaceholders(grid);
}

function updatePlaceholders(grid) {
  grid.querySelectorAll("input[data-emotion]").forEach((input) => {
    input.placeholder = defaultNames(input.dataset.emotion, input.dataset.language, grid).join(", ");
  });
}

function readMapping(box) {
  const mapping = {};
  box.querySelectorAll("input[data-emotion]").forEach((input) => {
    const names = splitNames(input.value);
    if (!names.length) return;
    const { emotion, language } = input.dataset;
    if (language === ANY) mapping[emotion] = namesValue(names);
    else (mapping[language] = mapping[language] || {})[emotion] = namesValue(names);
  });
  return mapping;
}

/** The mapping as the grid would save it: for comparing with what the grid holds now. */
function canonicalMapping(mapping) {
  const result = {};
  for (const [key, value] of Object.entries(mapping || {})) {
    if (page.emotions.includes(key)) result[key] = namesValue(asNames(value));
    else result[key] = Object.fromEntries(Object.entries(value).map(([emotion, names]) => [emotion, namesValue(asNames(names))]));
  }
  return result;
}

// Settings: one setting, one group
function writeSetting(box) {
  const setting = row(box.dataset.key);
  box.hidden = !setting;
  if (!setting) return;
  if (setting.key === "player.mapping") writeMapping(box, setting);
  else writeControl(box, setting);
  const locked = setting.source === "flag";
  box.classList.toggle("locked", locked);
  box.querySelectorAll("input, select").forEach((control) => (control.disabled = locked));
  writeMeta(box, setting);
}

function writeMeta(box, setting) {
  const meta = box.querySelector(".meta");
  const marker = element("span", `source ${setting.source}`, t(SOURCE_LABELS[setting.source] || setting.source));
  meta.replaceChildren(marker);
  if (setting.source === "page") {
    const reset = button(t("Reset"), () => resetSetting(box), "link reset");
    reset.title = tf("Back to the config file's value: {value}", { value: JSON.stringify(setting.config_value) });
    meta.append(" ", reset);
  }
}

function readSetting(box) {
  return box.dataset.key === "player.mapping" ? readMapping(box) : readControl(box);
}

function sameValue(key, value, current) {
  return key === "player.mapping" ? stable(value) === stable(canonicalMapping(current)) : stable(value) === stable(current);
}

function writeGroup(form) {
  clearProblems(form);
  form.querySelectorAll(".setting").forEach(writeSetting);
  delete form.dataset.dirty;
}

/** Show new settings: the given group always, the others unless they hold unsaved changes. */
function writeSettings(saved) {
  settingForms().forEach((form) => {
    if (form === saved || !form.dataset.dirty) writeGroup(form);
  });
  byId("playlist-names").replaceChildren(...page.playlists.map((name) => new Option(name)));
}

// What the page says beside a field the kiosk refused (the API's "problems"), in the page's words.
const PROBLEM_WORDS = {
  greater_than: "Must be more than {limit}.",
  greater_than_equal: "Must be {limit} or more.",
  less_than: "Must be less than {limit}.",
  less_than_equal: "Must be {limit} or less.",
  string_too_long: "At most {limit} characters.",
  too_long: "At most {limit} entries.",
  int_parsing: "Must be a whole number.",
  int_from_float: "Must be a whole number.",
  float_parsing: "Must be a number.",
  literal_error: "Choose one of: {limit}.",
  no_playlist: "No playlist “{limit}”: you have {have}.",
  public_needs_operator: "Public mode needs “Run by” and “Contact”: the notice shows them.",
};

async function refused(response) {
  let body = {};
  try {
    body = await response.clone().json();
  } catch {
    // not JSON: the status line says it
  }
  for (const problem of body.problems || []) {
    const key = CSS.escape(problem.key); // a section's own rule (privacy's public mode) is said at its first field
    const box = document.querySelector(`.setting[data-key="${key}"]`) || document.querySelector(`.setting[data-key^="${key}."]`);
    if (!box) continue;
    const words = PROBLEM_WORDS[problem.kind];
    const have = (problem.have || []).join(", ") || t("none yet");
    const text = words ? tf(words, { limit: problem.limit, have }) : body.error;
    let line = box.querySelector(".field-error");
    if (!line) {
      line = element("p", "field-error error");
      line.setAttribute("role", "alert");
      box.querySelector(".meta").before(line);
    }
    line.textContent = text;
    const controls = [...box.querySelectorAll("input, select")];
    const names = (control) => control.value.split(",").map((name) => name.trim());
    const holding = problem.kind === "no_playlist" ? controls.filter((control) => names(control).includes(problem.limit)) : [];
    (holding.length ? holding : controls).forEach((control) => control.setAttribute("aria-invalid", "true")); // the typo's cell only
  }
  return body.problems && body.problems.length ? t("Some values need a change: see the fields marked.") : await errorText(response);
}

function clearProblems(scope) {
  scope.querySelectorAll(".field-error").forEach((line) => line.remove());
  scope.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
}

async function putSettings(changes, form) {
  const status = form.querySelector(".status");
  clearProblems(form);
  const response = await api("PUT", "/api/admin/settings", changes);
  if (!response.ok) {
    showMessage(status, await refused(response));
    return false;
  }
  page = await response.json();
  writeSettings(form);
  showMessage(status, t("Saved"), false);
  showSaveBar();
  return true;
}

/** One bar for every unsaved change: which groups changed, save them all at once (all or nothing) or discard. */
function showSaveBar() {
  const dirty = [...settingForms()].filter((form) => form.dataset.dirty);
  byId("save-bar").hidden = dirty.length === 0;
  byId("save-bar-text").textContent = tf("Unsaved changes: {groups}", { groups: dirty.map((form) => form.querySelector("h1").textContent).join(", ") });
}

async function saveAll() {
  const dirty = [...settingForms()].filter((form) => form.dataset.dirty);
  const changes = Object.assign({}, ...dirty.map(changesOf));
  const status = byId("save-bar-status");
  if (!Object.keys(changes).length) {
    dirty.forEach(writeGroup);
    showSaveBar();
    return;
  }
  dirty.forEach(clearProblems);
  const response = await api("PUT", "/api/admin/settings", changes);
  if (!response.ok) return showMessage(status, await refused(response));
  status.hidden = true;
  page = await response.json();
  dirty.forEach((form) => delete form.dataset.dirty);
  writeSettings(null);
  showSaveBar();
  showMessage(byId("settings-status"), t("Saved"), false);
}

function changesOf(form) {
  const changes = {};
  form.querySelectorAll(".setting").forEach((box) => {
    const setting = row(box.dataset.key);
    if (!setting || setting.source === "flag") return;
    const value = readSetting(box);
    if (!sameValue(setting.key, value, setting.value)) changes[setting.key] = value;
  });
  return changes;
}

async function saveGroup(form) {
  const changes = changesOf(form);
  if (!Object.keys(changes).length) {
    writeGroup(form);
    showSaveBar();
    showMessage(form.querySelector(".status"), t("Nothing changed"), false);
    return;
  }
  await putSettings(changes, form);
}

async function resetSetting(box) {
  await putSettings({ [box.dataset.key]: null }, box.closest("form"));
}

async function loadSettings() {
  const response = await api("GET", "/api/admin/settings");
  if (!response.ok) {
    showMessage(byId("settings-status"), await errorText(response));
    return;
  }
  page = await response.json();
  writeSettings(null);
}

function setupSettings() {
  settingForms().forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const save = form.querySelector("button[type=submit]");
      save.disabled = true;
      try {
        await saveGroup(form);
      } finally {
        save.disabled = false;
      }
    });
    form.addEventListener("input", () => {
      form.dataset.dirty = "1";
      form.querySelector(".status").hidden = true;
      showSaveBar();
    });
  });
  onClick("save-all", saveAll);
  onClick("discard-all", () => {
    settingForms().forEach((form) => writeGroup(form));
    showSaveBar();
  });
  const grid = byId("mapping-grid");
  grid.addEventListener("input", (event) => event.target.dataset.language === ANY && updatePlaceholders(grid));
  const camera = document.querySelector('.setting[data-key="camera.source"]');
  camera.querySelector("[data-field]").addEventListener("change", () => showOther(camera));
}

function showCorrections(summary) {
  byId("corrections-line").textContent = tf("Learned from {count} corrections.", { count: summary.learned_from });
  byId("corrections-forget").hidden = summary.learned_from === 0;
}

async function loadCorrections() {
  const response = await api("GET", "/api/admin/corrections");
  if (response.ok) showCorrections(await response.json());
}

// Imported playlists
async function loadPlaylists() {
  const response = await api("GET", "/api/admin/playlists");
  if (!response.ok) return;
  const { playlists } = await response.json();
  byId("playlist-list").replaceChildren(
    ...playlists.map((playlist) => {
      const item = element("li");
      item.dataset.playlist = playlist.name;
      const who = element("div", "who");
      who.append(element("strong", "", playlist.name), " ", element("span", "muted", tf("{count} rows from {source}", { count: playlist.rows, source: playlist.source })));
      const actions = element("div", "user-actions");
      const show = button(t("Show"), () => showPlaylist(playlist.name));
      const csv = element("a", "button secondary", t("Export CSV"));
      csv.href = `/api/admin/playlists/${encodeURIComponent(playlist.name)}/csv`;
      csv.download = `${playlist.name}.csv`;
      const remove = button(t("Remove"), async () => {
        if (!confirm(tf("Remove the playlist {name}?", { name: playlist.name }))) return;
        const answer = await api("DELETE", `/api/admin/playlists/${encodeURIComponent(playlist.name)}`);
        showMessage(byId("playlist-status"), answer.ok ? tf("Removed {name}.", { name: playlist.name }) : await errorText(answer), !answer.ok);
        byId("playlist-rows").hidden = true;
        loadPlaylists();
      }, "danger");
      actions.append(show, csv, remove);
      item.append(who, actions);
      return item;
    }),
  );
}

async function showPlaylist(name, answer) {
  const response = answer || (await api("GET", `/api/admin/playlists/${encodeURIComponent(name)}`));
  if (!response.ok) return showMessage(byId("playlist-status"), await errorText(response));
  const { rows } = await response.json();
  byId("playlist-rows").hidden = false;
  byId("playlist-rows-heading").textContent = name;
  byId("playlist-row-list").replaceChildren(
    ...rows.map((row, index) => {
      const item = element("li");
      const text = [row.title, row.artist].filter(Boolean).join(" · ");
      item.append(element("span", "title", text), element("span", "muted", row.url ? t("link") : t("YouTube match")));
      const remove = button("✕", async () => {
        const result = await api("DELETE", `/api/admin/playlists/${encodeURIComponent(name)}/rows/${index}`);
        if (result.ok) {
          showPlaylist(name, result);
          loadPlaylists();
        } else showMessage(byId("playlist-status"), await errorText(result));
      });
      remove.setAttribute("aria-label", tf("Remove “{title}” from {name}", { title: row.title, name }));
      item.append(remove);
      return item;
    }),
  );
}

function setupPlaylists() {
  const form = byId("playlist-upload");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const fields = { name: data.get("name"), mood: data.get("mood"), language: data.get("language") };
    const status = byId("playlist-status");
    const link = data.get("link").trim();
    const file = data.get("file");
    if (!link && !(file && file.size)) return showMessage(status, t("Pick a list file or paste a Spotify playlist link."));
    showMessage(status, t("Importing…"), false);
    let response;
    if (link) {
      response = await api("POST", "/api/admin/playlists/spotify", { ...fields, link });
    } else {
      const upload = new FormData();
      upload.append("file", file);
      response = await fetch(`/api/admin/playlists?${new URLSearchParams(fields)}`, { method: "POST", body: upload, headers: { "X-CSRF-Token": csrf } });
    }
    const answer = await response.json().catch(() => ({}));
    if (answer.imported === undefined) showMessage(status, answer.error || `${response.status}`);
    else showMessage(status, tf("Imported {imported} rows into {name}; {refused} refused.", { imported: answer.imported, name: answer.name, refused: answer.refused.length }), answer.imported === 0);
    byId("playlist-refused").replaceChildren(
      ...(answer.refused || []).map((row) => element("li", "", row.line ? tf("Line {line}: {why}", row) : row.why)),
    );
    if (answer.imported) {
      form.reset();
      await loadPlaylists();
      showPlaylist(answer.name);
    }
  });
}

async function setupAdmin() {
  setupLogout();
  setupAddUser();
  setupSettings();
  setupPlaylists();
  byId("corrections-forget").addEventListener("click", async () => {
    const response = await api("DELETE", "/api/admin/corrections");
    if (response.ok) showCorrections(await response.json());
  });
  const response = await api("GET", "/api/state");
  if (response.ok) csrf = (await response.json()).csrf;
  await Promise.all([loadUsers(), loadSettings(), loadCorrections(), loadPlaylists(), setupArtists(byId("household-artists"), "/api/admin/artists", "/api/artists")]);
}

if (byId("users")) setupAdmin();
