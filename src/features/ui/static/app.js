// The jobs page: lists recent jobs (GET /v1/jobs), follows unfinished ones over Server-Sent
// Events (GET /v1/jobs/{id}/events), cancels with DELETE, and charts the pool's recent load
// (GET /v1/system/pool). Plain DOM and no build step; whatever the server sends goes in as text.
// With API keys configured the page asks for one and sends it as a bearer token; the event
// streams are read with fetch, since EventSource cannot send an Authorization header.

const listEveryMs = 1000;
const listLimit = 50;
// A browser opens at most 6 HTTP/1.1 connections to a host, for all its tabs, and each event
// stream holds one: beyond this many per page (leaving room for its own requests and another
// tab), unfinished jobs are refreshed by the list polling instead of a stream.
const maxStreams = 3;
const previewChars = 100;
const shownResultChars = 20_000;

const rows = document.getElementById('job-rows');
const noJobs = document.getElementById('no-jobs');
const connection = document.getElementById('connection');
const chart = document.getElementById('pool-chart');
const keyForm = document.getElementById('key-form');
const keyInput = document.getElementById('api-key');
const keyStorage = 'crunch-api-key';

/** Calls the API with the key the user gave (kept for this tab only); a 401 asks for one. */
async function api(path, init = {}) {
  const key = sessionStorage.getItem(keyStorage);
  const headers = { ...init.headers, ...(key === null ? {} : { Authorization: `Bearer ${key}` }) };
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) {
    keyForm.hidden = false;
    throw new Error('this server needs an API key: enter yours above');
  }
  return response;
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(keyStorage, keyInput.value.trim());
  keyInput.value = '';
  keyForm.hidden = true;
});

/** id -> { job, row, cells, bar, progressText, cancel, stream, outcomeKey } */
const entries = new Map();

const isFinished = (status) => status === 'succeeded' || status === 'failed' || status === 'cancelled';

function element(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function formatDuration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function preview(value) {
  const text = JSON.stringify(value);
  return text.length > previewChars ? `${text.slice(0, previewChars)}…` : text;
}

function fullText(value) {
  const text = JSON.stringify(value, null, 2);
  return text.length > shownResultChars ? `${text.slice(0, shownResultChars)}\n… (${text.length} characters in all)` : text;
}

function createEntry(job) {
  const row = element('tr');
  row.dataset.jobId = job.id;
  const cells = {};
  for (const name of ['id', 'operation', 'status', 'progress', 'created', 'duration', 'result', 'actions']) {
    cells[name] = element('td', name);
    row.append(cells[name]);
  }
  cells.created.classList.add('number');
  cells.duration.classList.add('number');
  cells.id.textContent = `${job.id.slice(0, 8)}…`;
  cells.id.title = job.id;
  const bar = element('progress', 'job-progress');
  const progressText = element('span', 'progress-text');
  cells.progress.append(bar, progressText);
  const cancel = element('button', 'cancel', 'cancel');
  cancel.type = 'button';
  cancel.addEventListener('click', () => void cancelJob(entry));
  cells.actions.append(cancel);
  const entry = { job, row, cells, bar, progressText, cancel, stream: undefined, outcomeKey: '' };
  entries.set(job.id, entry);
  return entry;
}

/** Takes a newer view of the job; `from` is 'list', 'stream' or 'cancel'. */
function update(entry, job, from) {
  // A followed job's stream is fresher than a list snapshot, and a finished job is final.
  if (from === 'list' && (entry.stream !== undefined || isFinished(entry.job.status))) return;
  entry.job = { ...job, result: job.result ?? entry.job.result };
  render(entry);
}

function render(entry) {
  const { job, cells, bar, progressText, cancel } = entry;
  entry.row.dataset.status = job.status;
  cells.operation.textContent = job.operation;
  cells.status.replaceChildren(element('span', `badge ${job.status}`, job.status));
  if (job.progress) {
    bar.max = Math.max(1, job.progress.total);
    bar.value = job.progress.done;
    progressText.textContent = `${job.progress.phase} ${job.progress.done}/${job.progress.total}`;
  } else if (isFinished(job.status)) {
    bar.max = 1;
    bar.value = job.status === 'succeeded' ? 1 : 0;
    progressText.textContent = '';
  } else {
    bar.removeAttribute('value'); // indeterminate until the job reports progress
    progressText.textContent = job.status === 'queued' ? 'waiting' : '';
  }
  cancel.hidden = isFinished(job.status);
  renderOutcome(entry);
  renderTimes(entry, Date.now());
}

function renderTimes(entry, now) {
  const { job, cells } = entry;
  const created = Date.parse(job.createdAt);
  cells.created.textContent = `${formatDuration(now - created)} ago`;
  cells.created.title = job.createdAt;
  if (job.startedAt === null) cells.duration.textContent = isFinished(job.status) ? '–' : `waiting ${formatDuration(now - created)}`;
  else cells.duration.textContent = formatDuration((job.finishedAt === null ? now : Date.parse(job.finishedAt)) - Date.parse(job.startedAt));
}

/** The result or problem cell, rebuilt only when it changes, so an opened result stays open. */
function renderOutcome(entry) {
  const { job, cells } = entry;
  const key = `${job.status}:${job.result !== undefined}`;
  if (entry.outcomeKey === key) return;
  entry.outcomeKey = key;
  if (job.problem) {
    cells.result.replaceChildren(element('span', 'problem', `${job.problem.title}: ${job.problem.detail}`));
  } else if (job.status === 'succeeded') {
    const details = element('details');
    const summary = element('summary', '', job.result === undefined ? 'show result' : preview(job.result));
    const pre = element('pre');
    details.append(summary, pre);
    if (job.result !== undefined) pre.textContent = fullText(job.result);
    // The list leaves results out: fetch one when asked for.
    else details.addEventListener('toggle', () => void (details.open && entry.job.result === undefined && loadResult(entry)));
    cells.result.replaceChildren(details);
  } else {
    cells.result.replaceChildren();
  }
}

async function loadResult(entry) {
  const response = await api(`/v1/jobs/${encodeURIComponent(entry.job.id)}`);
  const job = await response.json();
  if (!response.ok) {
    entry.cells.result.replaceChildren(element('span', 'problem', job.detail ?? `HTTP ${response.status}`));
    return;
  }
  entry.job = { ...entry.job, result: job.result };
  render(entry);
  entry.cells.result.querySelector('details')?.setAttribute('open', '');
}

async function cancelJob(entry) {
  entry.cancel.disabled = true;
  try {
    const response = await api(`/v1/jobs/${encodeURIComponent(entry.job.id)}`, { method: 'DELETE' });
    const body = await response.json();
    // 409: it finished first; its stream or the next listing says how.
    if (response.ok) update(entry, body, 'cancel');
    else if (response.status !== 409) entry.cells.result.replaceChildren(element('span', 'problem', body.detail ?? `HTTP ${response.status}`));
  } finally {
    entry.cancel.disabled = false;
  }
}

/** Reads a job's event stream: each frame's `data:` line is the job as JSON. */
function follow(entry) {
  const controller = new AbortController();
  entry.stream = controller;
  const read = async () => {
    const response = await api(`/v1/jobs/${encodeURIComponent(entry.job.id)}/events`, {
      signal: controller.signal,
      headers: { Accept: 'text/event-stream' },
    });
    if (!response.ok || response.body === null) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += value;
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (data === undefined) continue;
        const job = JSON.parse(data.slice('data: '.length));
        update(entry, job, 'stream');
        if (isFinished(job.status)) return;
      }
    }
  };
  read()
    .catch(() => undefined)
    .finally(() => {
      if (entry.stream === controller) stopFollowing(entry);
    });
}

function stopFollowing(entry) {
  entry.stream?.abort();
  entry.stream = undefined;
}

function followUnfinished() {
  let streams = [...entries.values()].filter((entry) => entry.stream !== undefined).length;
  const waiting = [...entries.values()].filter((entry) => entry.stream === undefined && !isFinished(entry.job.status));
  // Running jobs first: they are the ones whose progress moves.
  waiting.sort((a, b) => Number(b.job.status === 'running') - Number(a.job.status === 'running'));
  for (const entry of waiting) {
    if (streams >= maxStreams) break;
    follow(entry);
    streams += 1;
  }
}

async function refreshJobs() {
  const response = await api(`/v1/jobs?limit=${listLimit}`);
  if (!response.ok) throw new Error(`GET /v1/jobs answered ${response.status}`);
  const { jobs } = await response.json();
  const listed = new Set();
  let previous = null;
  for (const job of jobs) {
    listed.add(job.id);
    const known = entries.get(job.id);
    const entry = known ?? createEntry(job);
    if (known) update(entry, job, 'list');
    else render(entry);
    // Most recent first, as listed.
    const expectedNext = previous === null ? rows.firstChild : previous.nextSibling;
    if (expectedNext !== entry.row) rows.insertBefore(entry.row, expectedNext);
    previous = entry.row;
  }
  for (const [id, entry] of entries) {
    if (listed.has(id)) continue;
    stopFollowing(entry);
    entry.row.remove();
    entries.delete(id);
  }
  noJobs.hidden = jobs.length > 0;
  followUnfinished();
}

const svg = (tag, attributes, text = '') => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text) node.textContent = text;
  return node;
};

function drawChart(pool) {
  const width = 640;
  const height = 140;
  const left = 36;
  const right = 64;
  const top = 8;
  const bottom = 18;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const spanMs = pool.intervalMs * pool.history;
  const samples = pool.samples.map((sample) => ({ ...sample, time: Date.parse(sample.at) }));
  // The right edge is the newest sample, so a clock that differs from the server's does not shift the picture.
  const end = samples.length > 0 ? samples[samples.length - 1].time : Date.now();
  const x = (time) => left + (1 - (end - time) / spanMs) * plotWidth;
  const y = (share) => top + (1 - share) * plotHeight;
  const queueScale = Math.max(1, ...samples.map((sample) => sample.maxQueued));
  const barWidth = Math.max(1, plotWidth / pool.history - 1);

  const parts = [];
  for (const share of [0, 0.5, 1]) {
    parts.push(svg('line', { class: 'grid', x1: left, x2: left + plotWidth, y1: y(share), y2: y(share) }));
    parts.push(svg('text', { class: 'axis', x: left - 4, y: y(share) + 3, 'text-anchor': 'end' }, `${share * 100}%`));
  }
  parts.push(svg('text', { class: 'axis', x: left + plotWidth + 4, y: y(1) + 3 }, `${queueScale} waiting`));
  parts.push(svg('text', { class: 'axis', x: left, y: height - 4 }, `−${formatDuration(spanMs)}`));
  parts.push(svg('text', { class: 'axis', x: left + plotWidth, y: height - 4, 'text-anchor': 'end' }, 'now'));
  for (const sample of samples) {
    if (sample.maxQueued === 0) continue;
    const barHeight = (sample.maxQueued / queueScale) * plotHeight;
    parts.push(svg('rect', { class: 'queued', x: x(sample.time) - barWidth, y: top + plotHeight - barHeight, width: barWidth, height: barHeight }));
  }
  const points = samples.map((sample) => `${x(sample.time).toFixed(1)},${y(sample.utilization).toFixed(1)}`).join(' ');
  parts.push(svg('polyline', { class: 'utilization', points }));
  chart.replaceChildren(...parts);
  chart.dataset.samples = String(samples.length);
  chart.dataset.peakUtilization = String(Math.max(0, ...samples.map((sample) => sample.utilization)));
  document.getElementById('pool-span').textContent = `· last ${formatDuration(spanMs)}, a sample every ${formatDuration(pool.intervalMs)}`;
}

async function refreshPool() {
  const response = await api('/v1/system/pool');
  if (!response.ok) throw new Error(`GET /v1/system/pool answered ${response.status}`);
  const pool = await response.json();
  document.getElementById('pool-threads').textContent = String(pool.threads);
  document.getElementById('pool-in-flight').textContent = String(pool.current.inFlight);
  document.getElementById('pool-queued').textContent = String(pool.current.queued);
  document.getElementById('pool-utilization').textContent = `${Math.round(pool.current.utilization * 100)} %`;
  drawChart(pool);
  return Math.max(250, pool.intervalMs);
}

/** Runs `task` again `everyMs` (or what it returns) after each run ends, so requests never pile up. */
function repeat(task, everyMs) {
  const run = async () => {
    let next = everyMs;
    try {
      next = (await task()) ?? everyMs;
      connection.textContent = '';
    } catch (error) {
      connection.textContent = `Cannot reach crunch (${error.message}); retrying.`;
    }
    setTimeout(run, next);
  };
  void run();
}

repeat(refreshJobs, listEveryMs);
repeat(refreshPool, 2000);
setInterval(() => {
  const now = Date.now();
  for (const entry of entries.values()) renderTimes(entry, now);
}, 500);
