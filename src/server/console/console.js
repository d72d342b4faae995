/**
 * The Cepheus web console: plain JavaScript, no build step, no framework, nothing from a CDN.
 * It talks to the server it was loaded from through the typed client, served as `/client.js`
 * (docs/protocol.md): deploy a script (every diagnostic listed and marked in the editor), the
 * running queries and their plans, the streams and their schemas, a live table of any stream's
 * events, and a box to publish events.
 */
import { CepheusClient } from '/client.js';

// ------------------------------------------------------------------------------ CQL highlighting

/**
 * The lexer's keywords (src/lang/tokens.ts, LANGUAGE.md section 1), reserved and contextual.
 * test/unit/server/console-keywords.test.ts keeps these lists equal to the lexer's.
 */
const RESERVED_KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'WINDOW', 'EMIT', 'CREATE', 'DROP', 'EXPLAIN',
  'AS', 'WITH', 'PATTERN', 'PARTITION', 'WITHIN', 'USING', 'AFTER', 'JOIN', 'INNER', 'LEFT', 'RIGHT',
  'FULL', 'OUTER', 'ON', 'AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'BETWEEN', 'LIKE', 'CASE', 'WHEN',
  'THEN', 'ELSE', 'END', 'CAST', 'TRUE', 'FALSE', 'DISTINCT',
];
const CONTEXTUAL_KEYWORDS = [
  'STREAM', 'TABLE', 'AGGREGATE', 'FUNCTION', 'PRIMARY', 'KEY', 'TUMBLING', 'HOPPING', 'SESSION',
  'SLIDING', 'SIZE', 'ADVANCE', 'FINAL', 'CHANGES', 'SKIP', 'TILL', 'NEXT', 'ANY', 'MATCH', 'STRICT',
  'CONTIGUITY', 'PAST', 'LAST', 'EVENT', 'FOR', 'BOTH', 'LEADING', 'TRAILING',
];
const RESERVED = new Set(RESERVED_KEYWORDS);
const CONTEXTUAL = new Set(CONTEXTUAL_KEYWORDS);
const CONSTANTS = new Set(['TRUE', 'FALSE', 'NULL']);
/** Type names and duration units are identifiers to the lexer; the console colours them. */
const TYPES = new Set(['STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON']);
const UNIT = /^(?:MILLISECONDS?|SECONDS?|MINUTES?|HOURS?|DAYS?|EVENTS)$/i;

/** One alternative per token class, tried at each position (a sticky regular expression). */
const LEX = new RegExp(
  [
    /(\s+)/, // 1 whitespace
    /(--[^\n]*)/, // 2 line comment
    /(\/\*[\s\S]*?(?:\*\/|$))/, // 3 block comment (unterminated: to the end)
    /('(?:[^']|'')*'?)/, // 4 string
    /(`(?:[^`\n]|``)*`?)/, // 5 quoted identifier
    /((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/, // 6 number
    /([A-Za-z_][A-Za-z0-9_]*)/, // 7 identifier or keyword
    /(->|\|\||!=|<>|<=|>=|[<>=+\-*/%?])/, // 8 operator
    /([\s\S])/, // 9 anything else
  ]
    .map((r) => r.source)
    .join('|'),
  'y',
);

/** Where the block comment at `start` ends, nested ones included (the text's end when it never does). */
function blockCommentEnd(text, start) {
  let depth = 0;
  for (let i = start; i < text.length - 1; ) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      i += 2;
      if (--depth === 0) return i;
    } else i++;
  }
  return text.length;
}

/** Splits a script into `{start, end, cls}` tokens; `cls` is '' for plain text. */
function tokenize(text) {
  const tokens = [];
  let previous; // the last token that is not whitespace
  LEX.lastIndex = 0;
  for (let m = LEX.exec(text); m !== null && m[0].length > 0; m = LEX.exec(text)) {
    const start = m.index;
    let end = start + m[0].length;
    let cls = '';
    if (m[1]) {
      tokens.push({ start, end, cls });
      continue;
    } else if (m[2]) cls = 'comment';
    else if (m[3]) {
      // Block comments nest, as in SQL: the comment ends where its own `*/` closes it.
      cls = 'comment';
      end = LEX.lastIndex = blockCommentEnd(text, start);
    }
    else if (m[4]) cls = 'string';
    else if (m[5]) cls = 'quoted';
    else if (m[6]) cls = 'number';
    else if (m[7]) {
      const word = m[7].toUpperCase();
      const afterDot = previous !== undefined && text.slice(previous.start, previous.end) === '.';
      if (previous?.cls === 'number' && UNIT.test(word)) {
        previous.cls = 'duration';
        cls = 'duration';
      } else if (afterDot) cls = '';
      else if (CONSTANTS.has(word)) cls = 'constant';
      else if (RESERVED.has(word)) cls = 'keyword';
      else if (CONTEXTUAL.has(word)) cls = 'keyword-ctx';
      else {
        const next = /^\s*(.)/.exec(text.slice(end, end + 40))?.[1];
        if (next === '(') cls = 'function';
        else if (TYPES.has(word) && next !== '=') cls = 'type';
      }
    } else if (m[8]) cls = 'operator';
    const token = { start, end, cls };
    tokens.push(token);
    previous = token;
  }
  return tokens;
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** The highlighted HTML of a script, with the diagnostics' ranges (`[start, end)` offsets) underlined. */
function highlight(text, ranges) {
  const cuts = [...new Set(ranges.flatMap((r) => [r.start, r.end]))].sort((a, b) => a - b);
  const rangeAt = (offset) => ranges.find((r) => offset >= r.start && offset < r.end);
  let html = '';
  for (const t of tokenize(text)) {
    let from = t.start;
    const points = cuts.filter((c) => c > t.start && c < t.end);
    for (const to of [...points, t.end]) {
      const range = ranges.length > 0 ? rangeAt(from) : undefined;
      const classes = [t.cls && `t-${t.cls}`, range && `squiggle squiggle-${range.severity}`].filter(Boolean).join(' ');
      const piece = escapeHtml(text.slice(from, to));
      html += classes ? `<span class="${classes}">${piece}</span>` : piece;
      from = to;
    }
  }
  // A <pre> drops a final newline: one more line keeps it level with the textarea.
  return html + '\n ';
}

// ------------------------------------------------------------------------------------ helpers

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Creates an element: `el('td', {class: 'num', 'data-field': 'outputs'}, 'text', child)`. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

const errorText = (error) => (error instanceof Error ? error.message : String(error));

function setStatus(node, state, text) {
  node.dataset.state = state;
  node.textContent = text;
}

// -------------------------------------------------------------------------------------- state

const TOKEN_KEY = 'cepheus.console.token';
const SCRIPT_KEY = 'cepheus.console.script';
/** Rows kept in the events table. */
const MAX_ROWS = 500;
const SAMPLE = `-- A stream of card transactions and a query over it. Deploy with Ctrl+Enter.
CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');

CREATE STREAM big AS
SELECT card, amount FROM Txn WHERE amount > 100;
`;

const state = {
  /** @type {CepheusClient | undefined} */
  client: undefined,
  readOnly: false,
  timer: 0,
  refreshing: false,
  /** @type {{name: string, kind: string, derived: boolean, system: boolean, columns: {name: string, type: string, notNull: boolean}[], timestamp?: string, primaryKey?: string}[]} */
  streams: [],
  streamsKey: '',
  /** The diagnostics shown in the editor, with the text they were computed for. */
  marks: { script: '', diagnostics: [] },
  /** @type {{stream: string, stop?: () => Promise<void>, columns: string[], types: Record<string, string>} | undefined} */
  sub: undefined,
  paused: false,
  /** Events received and not yet in the table, oldest first (at most MAX_ROWS). */
  queue: [],
  received: 0,
  dropped: 0,
  flushScheduled: false,
};

// ------------------------------------------------------------------------------------- editor

const editor = /** @type {HTMLTextAreaElement} */ ($('editor'));
const highlightCode = $('highlight');
const backdropInner = $('backdrop-inner');
const gutterLines = $('gutter-lines');
const lineMarks = $('line-marks');
let gutterKey = '';

function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The diagnostics as `[start, end)` offsets of the text (line and column are 1-based, endColumn inclusive). */
function diagnosticRanges(text, diagnostics) {
  const starts = lineStarts(text);
  const offset = (line, column) => Math.min(text.length, (starts[Math.min(line, starts.length) - 1] ?? 0) + Math.max(0, column - 1));
  return diagnostics.map((d) => {
    const start = offset(d.line, d.column);
    const end = Math.max(start + 1, offset(d.endLine ?? d.line, (d.endColumn ?? d.column) + 1));
    return { start, end, severity: d.severity === 'warning' ? 'warning' : 'error' };
  });
}

function renderEditor() {
  const text = editor.value;
  const current = state.marks.script === text ? state.marks.diagnostics : [];
  highlightCode.innerHTML = highlight(text, diagnosticRanges(text, current));

  // Lines with a diagnostic: severity and messages by line number.
  const marked = new Map();
  for (const d of current) {
    for (let line = d.line; line <= Math.max(d.line, d.endLine ?? d.line); line++) {
      const m = marked.get(line) ?? { severity: 'warning', messages: [] };
      if (d.severity !== 'warning') m.severity = 'error';
      m.messages.push(`${d.code} ${d.line}:${d.column} ${d.message}`);
      marked.set(line, m);
    }
  }
  const lines = lineStarts(text).length;
  const key = `${lines}|${JSON.stringify([...marked])}`;
  if (key === gutterKey) return;
  gutterKey = key;
  const gutter = document.createDocumentFragment();
  for (let n = 1; n <= lines; n++) {
    const m = marked.get(n);
    gutter.append(
      m
        ? el('div', { class: `gl gl-${m.severity}`, 'data-line': n, 'data-testid': 'gutter-error', title: m.messages.join('\n') }, String(n))
        : el('div', { class: 'gl' }, String(n)),
    );
  }
  gutterLines.replaceChildren(gutter);
  lineMarks.replaceChildren(
    ...[...marked].map(([line, m]) => el('div', { class: `line-mark line-mark-${m.severity}`, 'data-line': line, style: `top: calc(var(--pad) + ${line - 1} * var(--lh))` })),
  );
}

function syncScroll() {
  backdropInner.style.transform = `translateY(${-editor.scrollTop}px)`;
  highlightCode.style.transform = `translateX(${-editor.scrollLeft}px)`;
  gutterLines.style.transform = `translateY(${-editor.scrollTop}px)`;
}

let saveTimer = 0;
editor.addEventListener('input', () => {
  renderEditor();
  $('diagnostics').classList.toggle('stale', state.marks.diagnostics.length > 0 && state.marks.script !== editor.value);
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => localStorage.setItem(SCRIPT_KEY, editor.value), 300);
});
editor.addEventListener('scroll', syncScroll);

/** Tab indents (two spaces); Escape then Tab leaves the editor, for keyboard users. */
let tabLeaves = false;
editor.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    void deploy();
  } else if (e.key === 'Escape') tabLeaves = true;
  else if (e.key === 'Tab' && !tabLeaves && !e.shiftKey) {
    e.preventDefault();
    if (!document.execCommand('insertText', false, '  ')) editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
    renderEditor();
  } else tabLeaves = false;
});

/** Puts the caret on a diagnostic's range. */
function reveal(d) {
  const [range] = diagnosticRanges(editor.value, [d]);
  editor.focus();
  editor.setSelectionRange(range.start, range.end);
  const lh = parseFloat(getComputedStyle(editor).lineHeight) || 20;
  editor.scrollTop = Math.max(0, (d.line - 3) * lh);
  syncScroll();
}

function showDiagnostics(script, diagnostics) {
  state.marks = { script, diagnostics };
  const list = $('diagnostics');
  list.classList.remove('stale');
  list.replaceChildren(
    ...diagnostics.map((d) =>
      el(
        'li',
        { class: `diag diag-${d.severity === 'warning' ? 'warning' : 'error'}`, 'data-testid': 'diagnostic', 'data-code': d.code, 'data-line': d.line },
        el('span', { class: 'diag-code' }, d.code),
        el('button', { type: 'button', class: 'diag-pos', 'data-testid': 'diagnostic-position', title: 'Show in the editor', onclick: () => reveal(d) }, `${d.line}:${d.column}`),
        el('span', { class: 'diag-message' }, d.message),
        d.hint ? el('div', { class: 'diag-hint' }, d.hint) : undefined,
      ),
    ),
  );
  renderEditor();
}

// ------------------------------------------------------------------------------ deploy, explain

const deployStatus = $('deploy-status');

async function deploy() {
  const client = state.client;
  if (!client) return setStatus(deployStatus, 'error', 'Not connected.');
  const script = editor.value;
  setStatus(deployStatus, 'busy', 'Deploying…');
  try {
    const r = await client.deploy(script);
    showDiagnostics(script, []);
    const queries = r.queries.length === 0 ? 'no query' : `${r.queries.length === 1 ? 'query' : 'queries'} ${r.queries.join(', ')}`;
    setStatus(deployStatus, 'ok', `Deployed #${r.deployment}: ${queries}${r.streams.length > 0 ? `; streams ${r.streams.join(', ')}` : ''}.`);
    // EXPLAIN statements are not run: their plans are shown.
    if (r.explained?.length > 0) showPlan('the EXPLAIN statements', r.explained.join('\n\n'));
    await refresh();
  } catch (error) {
    showDiagnostics(script, error.diagnostics ?? []);
    setStatus(deployStatus, 'error', errorText(error));
  }
}

async function explainScript() {
  const client = state.client;
  if (!client) return setStatus(deployStatus, 'error', 'Not connected.');
  const script = editor.value;
  try {
    const plan = await client.explain({ script });
    showDiagnostics(script, []);
    setStatus(deployStatus, 'ok', 'The script checks out; its plan is shown beside.');
    showPlan('the script', plan);
  } catch (error) {
    showDiagnostics(script, error.diagnostics ?? []);
    setStatus(deployStatus, 'error', errorText(error));
  }
}

function showPlan(title, text, failed = false) {
  $('plan-title').textContent = `Plan of ${title}`;
  const pre = $('plan-text');
  pre.textContent = text;
  pre.classList.toggle('failed', failed);
  $('plan-panel').hidden = false;
}

$('deploy').addEventListener('click', () => void deploy());
$('explain-script').addEventListener('click', () => void explainScript());
$('plan-close').addEventListener('click', () => ($('plan-panel').hidden = true));

// --------------------------------------------------------------------------- queries, streams

const queryRows = new Map();

function renderQueries(queries) {
  const tbody = /** @type {HTMLTableElement} */ ($('queries')).tBodies[0];
  const seen = new Set();
  for (const [i, q] of queries.entries()) {
    seen.add(q.name);
    let row = queryRows.get(q.name);
    if (!row) {
      row = el(
        'tr',
        { 'data-testid': 'query-row', 'data-name': q.name },
        el('td', { class: 'name', 'data-field': 'name', title: q.text }, q.name),
        el('td', { 'data-field': 'kind' }),
        el('td', { class: 'num', 'data-field': 'deployment' }),
        el('td', { class: 'num', 'data-field': 'outputs' }),
        el('td', { class: 'num', 'data-field': 'state' }),
        el(
          'td',
          { class: 'row-actions' },
          el('button', { type: 'button', class: 'secondary small', 'data-testid': 'plan', onclick: () => void plan(q.name) }, 'Plan'),
          el('button', { type: 'button', class: 'danger small', 'data-testid': 'undeploy', 'data-write': true, onclick: () => void undeploy(q.name) }, 'Undeploy'),
        ),
      );
      queryRows.set(q.name, row);
    }
    const cells = row.cells;
    cells[1].textContent = q.kind;
    cells[2].textContent = `#${q.deployment}`;
    cells[3].textContent = q.outputs.toLocaleString('en');
    cells[4].textContent = q.state.toLocaleString('en');
    cells[4].title = 'entries of state held (runs, window panes, join buffers, table rows)';
    row.querySelector('[data-testid=undeploy]').title = `Undeploy deployment #${q.deployment} (every query deployed with it)`;
    // The server's order; a row is moved only when it is out of place (a click on it survives).
    if (tbody.rows[i] !== row) tbody.insertBefore(row, tbody.rows[i] ?? null);
  }
  for (const [name, row] of queryRows) {
    if (seen.has(name)) continue;
    row.remove();
    queryRows.delete(name);
  }
  $('query-count').textContent = String(queries.length);
  $('queries-empty').hidden = queries.length > 0;
  applyAccess();
}

async function plan(name) {
  try {
    showPlan(name, await state.client.explain({ name }));
  } catch (error) {
    showPlan(name, errorText(error), true);
  }
}

async function undeploy(name) {
  try {
    const r = await state.client.undeploy(name);
    setStatus(deployStatus, 'ok', `Undeployed #${r.deployment}.`);
  } catch (error) {
    setStatus(deployStatus, 'error', errorText(error));
  }
  await refresh();
}

function columnText(c, stream) {
  return `${c.type}${c.notNull ? ' NOT NULL' : ''}${stream.primaryKey === c.name ? ' PRIMARY KEY' : ''}${stream.timestamp === c.name ? ' · event time' : ''}`;
}

function renderStreams(streams) {
  const key = JSON.stringify(streams);
  if (key === state.streamsKey) return;
  state.streamsKey = key;
  state.streams = streams;
  const sorted = [...streams].sort((a, b) => Number(a.system) - Number(b.system) || Number(a.derived) - Number(b.derived) || a.name.localeCompare(b.name));
  $('streams').replaceChildren(
    ...sorted.map((s) =>
      el(
        'li',
        { class: 'stream', 'data-testid': 'stream', 'data-name': s.name },
        el(
          'div',
          { class: 'stream-head' },
          el('span', { class: 'stream-name' }, s.name),
          el('span', { class: `badge badge-${s.kind}` }, s.kind),
          s.derived ? el('span', { class: 'badge badge-derived' }, 'derived') : undefined,
          s.system ? el('span', { class: 'badge badge-system' }, 'system') : undefined,
          el('button', { type: 'button', class: 'ghost small watch', title: `Watch the events of ${s.name}`, onclick: () => void watch(s.name) }, 'Watch'),
        ),
        el('ul', { class: 'columns' }, ...s.columns.map((c) => el('li', {}, el('span', { class: 'col-name' }, c.name), ' ', el('span', { class: 'col-type' }, columnText(c, s))))),
      ),
    ),
  );
  $('stream-count').textContent = String(streams.length);

  const fill = (select, list, groups) => {
    const previous = select.value;
    select.replaceChildren(
      ...groups
        .map(([label, test]) => [label, list.filter(test)])
        .filter(([, members]) => members.length > 0)
        .map(([label, members]) => el('optgroup', { label }, ...members.map((s) => el('option', { value: s.name }, s.name)))),
    );
    if (list.some((s) => s.name === previous)) select.value = previous;
  };
  fill($('subscribe-stream'), sorted, [
    ['outputs', (s) => s.derived && !s.system],
    ['inputs', (s) => !s.derived && !s.system],
    ['system', (s) => s.system],
  ]);
  fill($('publish-stream'), sorted, [['inputs', (s) => !s.derived && !s.system]]);
}

async function refresh() {
  const client = state.client;
  if (!client || state.refreshing) return;
  state.refreshing = true;
  try {
    const list = await client.list();
    if (client !== state.client) return;
    renderQueries(list.queries);
    renderStreams(list.streams);
  } catch {
    // A closed connection is reported by onClose.
  } finally {
    state.refreshing = false;
  }
}

// ------------------------------------------------------------------------------------- events

const eventsTable = /** @type {HTMLTableElement} */ ($('events'));
const subscribeButton = $('subscribe');
const pauseButton = $('pause');

function renderEventHeader() {
  const sub = state.sub;
  const columns = sub ? sub.columns : [];
  eventsTable.tHead.rows[0].replaceChildren(el('th', {}, 'time'), ...columns.map((c) => el('th', { class: sub.types[c] === 'DOUBLE' || sub.types[c] === 'INT' ? 'num' : undefined }, c)));
}

function cell(value, type) {
  if (value === null || value === undefined) return el('td', { class: 'null' }, 'NULL');
  if (typeof value === 'object') return el('td', { class: 'json', title: JSON.stringify(value, null, 2) }, JSON.stringify(value));
  if (typeof value === 'number') {
    const iso = type === 'TIMESTAMP' && Number.isFinite(value) ? new Date(value).toISOString() : undefined;
    return el('td', { class: 'num', title: iso }, String(value));
  }
  if (typeof value === 'boolean') return el('td', { class: 'bool' }, String(value));
  return el('td', {}, String(value));
}

function isoTime(ms) {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

function updateCounter() {
  $('event-count').textContent = state.received.toLocaleString('en');
  $('event-dropped').textContent = state.dropped > 0 ? ` · ${state.dropped.toLocaleString('en')} dropped by the server` : '';
  if (state.paused) pauseButton.textContent = `Resume (${state.queue.length})`;
}

function scheduleFlush() {
  if (state.flushScheduled) return;
  state.flushScheduled = true;
  requestAnimationFrame(flush);
}

/** Moves the queued events into the table, newest first, keeping the last MAX_ROWS. */
function flush() {
  state.flushScheduled = false;
  updateCounter();
  const sub = state.sub;
  if (state.paused || !sub || state.queue.length === 0) return;
  const events = state.queue;
  state.queue = [];
  const before = sub.columns.length;
  for (const e of events) for (const k of Object.keys(e.data ?? {})) if (!sub.columns.includes(k)) sub.columns.push(k);
  const tbody = eventsTable.tBodies[0];
  if (sub.columns.length !== before) {
    renderEventHeader();
    for (const row of tbody.rows) while (row.cells.length < sub.columns.length + 1) row.append(el('td', { class: 'null' }));
  }
  const rows = document.createDocumentFragment();
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    rows.append(el('tr', { 'data-testid': 'event-row' }, el('td', { class: 'time', title: String(e.time) }, isoTime(e.time)), ...sub.columns.map((c) => cell(e.data?.[c], sub.types[c]))));
  }
  tbody.prepend(rows);
  while (tbody.rows.length > MAX_ROWS) tbody.deleteRow(-1);
  $('events-empty').hidden = true;
}

function clearEvents() {
  state.queue = [];
  state.received = 0;
  state.dropped = 0;
  eventsTable.tBodies[0].replaceChildren();
  $('events-empty').hidden = state.sub !== undefined;
  updateCounter();
}

function setSubscribed(sub) {
  state.sub = sub;
  subscribeButton.textContent = sub ? 'Unsubscribe' : 'Subscribe';
  subscribeButton.dataset.state = sub ? 'subscribed' : 'idle';
  subscribeButton.classList.toggle('primary', !sub);
  subscribeButton.classList.toggle('secondary', Boolean(sub));
  $('subscribe-stream').disabled = Boolean(sub);
  pauseButton.disabled = !sub;
  if (!sub) setPaused(false);
  $('events-empty').textContent = sub ? `Waiting for events of ${sub.stream}…` : 'Subscribe to a stream to watch its events arrive (newest first, last 500 kept).';
  if (!sub || eventsTable.tBodies[0].rows.length === 0) $('events-empty').hidden = false;
}

async function subscribe(stream) {
  const client = state.client;
  if (!client || !stream || state.sub) return;
  const schema = state.streams.find((s) => s.name === stream);
  const sub = { stream, columns: schema ? schema.columns.map((c) => c.name) : [], types: Object.fromEntries((schema?.columns ?? []).map((c) => [c.name, c.type])) };
  setSubscribed(sub);
  clearEvents();
  renderEventHeader();
  try {
    sub.stop = await client.subscribe(
      stream,
      (event) => {
        if (state.sub !== sub) return;
        state.received++;
        state.queue.push(event);
        if (state.queue.length > MAX_ROWS) state.queue.splice(0, state.queue.length - MAX_ROWS);
        scheduleFlush();
      },
      {
        onDropped: (count) => {
          state.dropped += count;
          scheduleFlush();
        },
      },
    );
  } catch (error) {
    if (state.sub === sub) setSubscribed(undefined);
    $('events-empty').textContent = `Could not subscribe to ${stream}: ${errorText(error)}`;
  }
}

async function unsubscribe() {
  const sub = state.sub;
  if (!sub) return;
  setSubscribed(undefined);
  await sub.stop?.().catch(() => {});
}

async function watch(stream) {
  await unsubscribe();
  $('subscribe-stream').value = stream;
  await subscribe(stream);
}

function setPaused(paused) {
  state.paused = paused;
  pauseButton.setAttribute('aria-pressed', String(paused));
  pauseButton.textContent = paused ? `Resume (${state.queue.length})` : 'Pause';
  if (!paused) scheduleFlush();
}

subscribeButton.addEventListener('click', () => void (state.sub ? unsubscribe() : subscribe(/** @type {HTMLSelectElement} */ ($('subscribe-stream')).value)));
pauseButton.addEventListener('click', () => setPaused(!state.paused));
$('clear-events').addEventListener('click', clearEvents);

// ------------------------------------------------------------------------------------ publish

const publishJson = /** @type {HTMLTextAreaElement} */ ($('publish-json'));
const publishStatus = $('publish-status');

async function publish() {
  const client = state.client;
  const stream = /** @type {HTMLSelectElement} */ ($('publish-stream')).value;
  if (!client) return setStatus(publishStatus, 'error', 'Not connected.');
  if (!stream) return setStatus(publishStatus, 'error', 'No input stream to publish to.');
  let value;
  try {
    value = JSON.parse(publishJson.value);
  } catch (error) {
    return setStatus(publishStatus, 'error', `Not JSON: ${errorText(error)}`);
  }
  try {
    const r = await client.publish(stream, value);
    setStatus(publishStatus, r.rejected > 0 ? 'warning' : 'ok', `${stream}: ${r.accepted} accepted, ${r.rejected} rejected${r.rejected > 0 ? ' (see _rejected)' : ''}`);
  } catch (error) {
    setStatus(publishStatus, 'error', errorText(error));
  }
}

/** An example event of the selected stream, from its schema. */
function template() {
  const stream = state.streams.find((s) => s.name === /** @type {HTMLSelectElement} */ ($('publish-stream')).value);
  if (!stream) return;
  const example = { STRING: '', INT: 0, DOUBLE: 0.0, BOOLEAN: false, TIMESTAMP: Date.now(), JSON: {} };
  publishJson.value = JSON.stringify(Object.fromEntries(stream.columns.map((c) => [c.name, example[c.type] ?? null])), null, 2);
}

$('publish').addEventListener('click', () => void publish());
$('publish-template').addEventListener('click', template);
publishJson.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    void publish();
  }
});

// --------------------------------------------------------------------------------- connection

const connStatus = $('conn-status');
const tokenInput = /** @type {HTMLInputElement} */ ($('token'));

/** Disables what a read-only (or absent) connection may not do. */
function applyAccess() {
  const canWrite = state.client !== undefined && !state.readOnly;
  for (const b of document.querySelectorAll('[data-write]')) b.disabled = !canWrite;
  for (const id of ['deploy', 'publish']) $(id).disabled = !canWrite;
  for (const id of ['explain-script', 'subscribe']) $(id).disabled = state.client === undefined;
}

function disconnected(text) {
  clearInterval(state.timer);
  state.client = undefined;
  state.readOnly = false;
  if (state.sub) setSubscribed(undefined);
  setStatus(connStatus, 'error', text);
  applyAccess();
}

async function connect() {
  const token = tokenInput.value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  const old = state.client;
  state.client = undefined;
  clearInterval(state.timer);
  if (state.sub) setSubscribed(undefined);
  await old?.close();
  setStatus(connStatus, 'busy', 'connecting…');
  try {
    const client = await CepheusClient.connect(location.origin, token ? { token } : {});
    state.client = client;
    state.readOnly = client.readOnly;
    client.onClose = (code, reason) => {
      if (state.client === client) disconnected(`disconnected (${code}${reason ? ` ${reason}` : ''})`);
    };
    setStatus(connStatus, 'ok', client.readOnly ? 'connected, read-only' : 'connected');
    applyAccess();
    await refresh();
    state.timer = window.setInterval(() => void refresh(), 1000);
  } catch (error) {
    const message = errorText(error);
    disconnected(/4401/.test(message) ? 'unauthorized: enter a token' : `not connected: ${message}`);
    if (/4401/.test(message)) tokenInput.focus();
  }
}

$('connect-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void connect();
});

// -------------------------------------------------------------------------------------- start

editor.value = localStorage.getItem(SCRIPT_KEY) ?? SAMPLE;
tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
renderEditor();
applyAccess();
void connect();
