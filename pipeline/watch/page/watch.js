// The preview page: the beats (GET /beats.json), the chapters and the problems (GET
// /status.json); server-sent events (GET /events) tell when a save changed beats, which are
// then played: the line before the changed one for context, then the changed one.
"use strict";
const player = document.getElementById("player");
let beats = [];
let queue = [];
window.played = [];   // the beats played, in order (what a test or a curious author can read)

async function getJSON(url) {
  const answer = await fetch(url, {cache: "no-store"});
  return answer.json();
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function showBeats(status, fresh) {
  const body = document.querySelector("#beats tbody");
  body.textContent = "";
  const titles = Object.fromEntries(status.chapters.map(c => [c.id, c.title]));
  let section = null;
  for (const beat of beats) {
    if (beat.section !== section) {
      section = beat.section;
      const head = body.insertRow();
      head.className = "chapter";
      head.id = "chapter-" + section;
      const td = cell(head, titles[section] || section);
      td.colSpan = 4;
    }
    const row = body.insertRow();
    row.className = "beat" + (fresh.includes(beat.id) ? " fresh" : "");
    row.dataset.id = beat.id;
    const still = row.insertCell();
    if (beat.still) {
      const img = document.createElement("img");
      img.src = beat.still;
      img.alt = beat.id;
      still.appendChild(img);
    }
    cell(row, beat.id, "id");
    cell(row, beat.caption, "caption");
    cell(row, beat.duration.toFixed(2), "duration");
    row.addEventListener("click", () => play([beat.id]));
  }
}

function showStatus(status) {
  document.getElementById("name").textContent = status.name;
  const chapters = document.getElementById("chapters");
  chapters.textContent = "";
  for (const chapter of status.chapters) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#chapter-" + chapter.id;
    link.textContent = chapter.title;
    item.appendChild(link);
    chapters.appendChild(item);
  }
  showProblems(status.errors, status.warnings);
  document.getElementById("busy").textContent = status.busy;
}

function showProblems(errors, warnings) {
  const list = document.getElementById("problems");
  list.textContent = "";
  for (const [lines, kind] of [[errors, "error"], [warnings, "warning"]]) {
    for (const line of lines) {
      const item = document.createElement("li");
      item.className = kind;
      item.textContent = line;
      list.appendChild(item);
    }
  }
}

function play(ids) {
  queue = ids.map(id => beats.find(b => b.id === id)).filter(b => b && b.clip);
  next();
}

function next() {
  const beat = queue.shift();
  if (!beat) return;
  for (const row of document.querySelectorAll("tr.playing")) row.classList.remove("playing");
  const row = document.querySelector(`tr[data-id="${CSS.escape(beat.id)}"]`);
  if (row) row.classList.add("playing");
  player.dataset.beat = beat.id;
  window.played.push(beat.id);
  player.src = beat.clip + "?v=" + beat.updated;
  player.play().catch(() => {});   // a browser that wants a click first: the controls are there
}

player.addEventListener("ended", next);

async function refresh(changed) {
  const [status, rows] = await Promise.all([getJSON("/status.json"), getJSON("/beats.json")]);
  beats = rows;
  showStatus(status);
  showBeats(status, changed);
  if (changed.length) {
    const first = beats.findIndex(b => b.id === changed[0]);
    const beat = beats[first];
    document.getElementById("announce").textContent = `updated ${beat.id}: ${beat.caption}`;
    const before = first > 0 && beats[first - 1].section === beat.section ? [beats[first - 1].id] : [];
    play([...before, beat.id]);
  }
}

function listen() {
  const events = new EventSource("/events");
  events.onmessage = message => {
    const event = JSON.parse(message.data);
    if (event.type === "beats") refresh(event.changed);
    else if (event.type === "problems") showProblems(event.errors, event.warnings);
    else if (event.type === "status") document.getElementById("busy").textContent = event.busy;
    else if (event.type === "bye") { events.close(); document.getElementById("busy").textContent = "the watcher stopped"; }
  };
}

refresh([]).then(listen);
