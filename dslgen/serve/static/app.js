// The dslgen page: ask, show the script with its report, rate or edit it.
// Plain DOM code, no build step. Every text from the server is set with textContent, never
// innerHTML: a generated script may contain anything, markup included.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { id: null, script: "", examples: [] };

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    throw new Error("401: the server's token changed; open /?token=<token> again");
  }
  if (!response.ok) {
    const retry = response.headers.get("Retry-After");
    const wait = retry ? ` (retry in ${retry} s)` : "";
    throw new Error(`${response.status}: ${data.detail || response.statusText}${wait}`);
  }
  return data;
}

function status(text, isError = false) {
  $("status").textContent = text;
  $("status").style.color = isError ? "var(--bad)" : "";
}

async function loadFixtures() {
  try {
    const data = await api("GET", "/v1/fixtures");
    $("domain").textContent = `domain: ${data.domain}`;
    state.examples = data.fixtures;
    data.fixtures.forEach((example, index) => {
      const option = document.createElement("option");
      option.value = String(index);
      option.textContent = example.name;
      $("fixture").appendChild(option);
    });
  } catch (error) {
    status(error.message, true);
  }
}

function chosenExample() {
  const value = $("fixture").value;
  return value === "" ? null : state.examples[Number(value)];
}

function onFixtureChange() {
  const example = chosenExample();
  $("fixture-preview").hidden = example === null;
  $("fixture-preview").textContent = example ? JSON.stringify(example.fixture, null, 1) : "";
  const box = $("instruction");
  const wasExample = state.examples.some((e) => e.instruction === box.value);
  if (example && (box.value.trim() === "" || wasExample)) box.value = example.instruction;
}

async function generate() {
  const instruction = $("instruction").value;
  if (!instruction.trim()) {
    status("write an instruction first", true);
    return;
  }
  const example = chosenExample();
  const body = { instruction, client_id: "web" };
  if (example) body.fixture = example.fixture;
  $("generate").disabled = true;
  status("generating...");
  try {
    const result = await api("POST", "/v1/generate", body);
    state.id = result.id;
    state.script = result.script;
    $("result").hidden = false;
    $("editor").hidden = true;
    $("script").hidden = false;
    for (const button of ["up", "down"]) $(button).classList.remove("chosen");
    $("meta").textContent =
      `interaction ${result.id} · ${result.latency_s.toFixed(1)} s · ${result.tokens} tokens`;
    renderScript(result.script, result.report);
    renderReport(result.report, "Validator report");
    renderOthers(result.candidates);
    status(`logged as interaction ${result.id}`);
  } catch (error) {
    status(error.message, true);
  } finally {
    $("generate").disabled = false;
  }
}

function renderScript(text, report) {
  const errorLines = new Set((report.errors || []).map((e) => e.line));
  const box = $("script");
  box.replaceChildren();
  text.split("\n").forEach((line, index) => {
    const number = index + 1;
    const row = document.createElement("div");
    row.className = errorLines.has(number) ? "line has-error" : "line";
    row.id = `L${number}`;
    const ln = document.createElement("span");
    ln.className = "ln";
    ln.textContent = String(number);
    const code = document.createElement("code");
    code.textContent = line || " ";
    row.append(ln, code);
    box.appendChild(row);
  });
}

function renderReport(report, title) {
  $("report-title").textContent = title;
  $("verdict").textContent = report.valid ? "valid" : "not valid";
  $("verdict").className = report.valid ? "verdict ok" : "verdict bad";
  const box = $("report");
  box.replaceChildren();
  const layers = document.createElement("p");
  layers.className = "layers";
  const mark = (value) => (value === null || value === undefined ? "not run" : value ? "ok" : "failed");
  layers.textContent =
    `syntax ${mark(report.valid_syntax)} · DSL blocks ${mark(report.valid_dsl_blocks)} · ` +
    `policy ${mark(report.policy_ok)} · semantics ${mark(report.semantics_ok)}`;
  box.appendChild(layers);
  const errors = report.errors || [];
  if (errors.length === 0) return;
  const list = document.createElement("ul");
  list.className = "errors";
  for (const error of errors) {
    const item = document.createElement("li");
    item.dataset.line = String(error.line);
    item.title = `show line ${error.line}`;
    const where = document.createElement("span");
    where.className = "cls";
    where.textContent = `line ${error.line} · ${error.class}: `;
    const message = document.createElement("span");
    message.textContent = error.message;
    item.append(where, message);
    if (error.hint) {
      const hint = document.createElement("div");
      hint.className = "hint";
      hint.textContent = `hint: ${error.hint}`;
      item.appendChild(hint);
    }
    item.addEventListener("click", () => showLine(error.line));
    list.appendChild(item);
  }
  box.appendChild(list);
}

function renderOthers(candidates) {
  $("others").hidden = candidates.length === 0;
  $("others-title").textContent = `Other samples (${candidates.length})`;
  const list = $("others-list");
  list.replaceChildren();
  for (const candidate of candidates) {
    const item = document.createElement("li");
    const errors = candidate.report.errors.map((e) => `line ${e.line} ${e.class}`).join(", ");
    item.textContent = `round ${candidate.round}: ${candidate.report.valid ? "valid" : "not valid"}` +
      (errors ? ` (${errors})` : "");
    list.appendChild(item);
  }
}

function showLine(number) {
  const row = $(`L${number}`);
  if (!row) return;
  for (const old of document.querySelectorAll(".line.highlight")) old.classList.remove("highlight");
  row.classList.add("highlight");
  row.scrollIntoView({ block: "center", behavior: "smooth" });
}

async function rate(rating) {
  try {
    await api("POST", `/v1/feedback/${state.id}`, { rating });
    for (const button of ["up", "down"]) $(button).classList.toggle("chosen", button === rating);
    status(`interaction ${state.id} rated ${rating}`);
  } catch (error) {
    status(error.message, true);
  }
}

function startEdit() {
  $("edit-text").value = state.script;
  $("editor").hidden = false;
  $("script").hidden = true;
  $("edit-text").focus();
}

function cancelEdit() {
  $("editor").hidden = true;
  $("script").hidden = false;
}

async function saveEdit() {
  const text = $("edit-text").value;
  $("save").disabled = true;
  try {
    const stored = await api("POST", `/v1/feedback/${state.id}`, { edited_output: text });
    state.script = text;
    cancelEdit();
    renderScript(text, stored.report);
    renderReport(stored.report, "Validator report of your edit");
    status(`edit saved as the gold version of interaction ${state.id}` +
      (stored.report.valid ? "" : " (it does not validate: see the report)"));
  } catch (error) {
    status(error.message, true);
  } finally {
    $("save").disabled = false;
  }
}

async function copyScript() {
  try {
    await navigator.clipboard.writeText(state.script);
  } catch {
    const area = document.createElement("textarea");
    area.value = state.script;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  status("script copied");
}

document.addEventListener("DOMContentLoaded", () => {
  $("fixture").addEventListener("change", onFixtureChange);
  $("generate").addEventListener("click", generate);
  $("up").addEventListener("click", () => rate("up"));
  $("down").addEventListener("click", () => rate("down"));
  $("edit").addEventListener("click", startEdit);
  $("cancel").addEventListener("click", cancelEdit);
  $("save").addEventListener("click", saveEdit);
  $("copy").addEventListener("click", copyScript);
  loadFixtures();
});
