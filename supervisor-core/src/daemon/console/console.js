// The live console: polls the daemon's JSON endpoints (same origin, no external code) and
// updates the status table, the pools panel, the event stream and a log tail in place.
// Everything from the daemon is inserted as text (textContent), never as markup.
'use strict';
(function () {
  const $ = (sel) => document.querySelector(sel);
  let lastEvent = 0;
  let tailName = '';

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function specOf(p) {
    return p.group === p.name ? p.name : p.group + ':' + p.name;
  }

  function renderStatus(processes) {
    for (const p of processes) {
      const row = document.querySelector('tr[data-name="' + CSS.escape(specOf(p)) + '"]');
      if (!row) { continue; }
      const state = row.querySelector('td.state');
      if (state.textContent !== p.statename) {
        state.textContent = p.statename;
        state.className = 'state ' + p.statename.toLowerCase();
      }
      row.querySelector('td.desc').textContent = p.description;
    }
  }

  function renderPools(pools) {
    const body = $('#pools tbody');
    body.replaceChildren();
    for (const pool of pools) {
      const unknown = pool.listeners.some((l) => l.state === 'UNKNOWN');
      const tr = el('tr');
      if (pool.dropped > 0 || unknown) tr.className = 'alarm';
      tr.dataset.pool = pool.name;
      for (const v of [pool.name, pool.accepted, pool.delivered, pool.rejected,
        pool.rebuffered, pool.dropped, pool.queued]) {
        tr.appendChild(el('td', v));
      }
      tr.appendChild(el('td', pool.listeners.map((l) => l.name + '=' + l.state).join(' ')));
      body.appendChild(tr);
    }
  }

  function renderEvents(events) {
    const list = $('#events');
    const type = $('#event-type').value.trim().toUpperCase();
    const proc = $('#event-process').value.trim();
    for (const [seq, name, payload] of events) {
      lastEvent = Math.max(lastEvent, seq);
      const li = el('li', name + ' ' + payload);
      li.dataset.type = name;
      li.dataset.payload = payload;
      li.hidden = !matches(li, type, proc);
      list.appendChild(li);
    }
    while (list.children.length > 300) list.removeChild(list.firstChild);
  }

  function matches(li, type, proc) {
    return (!type || li.dataset.type.indexOf(type) >= 0) &&
      (!proc || li.dataset.payload.indexOf('processname:' + proc + ' ') >= 0 ||
        li.dataset.payload.endsWith('processname:' + proc));
  }

  function refilter() {
    const type = $('#event-type').value.trim().toUpperCase();
    const proc = $('#event-process').value.trim();
    for (const li of $('#events').children) li.hidden = !matches(li, type, proc);
  }

  // ANSI SGR colour codes become spans with classes; other escape sequences are dropped.
  function renderAnsi(target, text) {
    target.replaceChildren();
    let cls = { bold: false, fg: '' };
    const parts = text.split(/\x1b\[([0-9;]*)m/);
    for (let k = 0; k < parts.length; k++) {
      if (k % 2 === 1) {
        for (const code of (parts[k] || '0').split(';').map(Number)) {
          if (code === 0) cls = { bold: false, fg: '' };
          else if (code === 1) cls.bold = true;
          else if (code === 22) cls.bold = false;
          else if (code >= 30 && code <= 37) cls.fg = 'fg-' + code;
          else if (code >= 90 && code <= 97) cls.fg = 'fg-' + (code - 60);
          else if (code === 39) cls.fg = '';
        }
        continue;
      }
      const chunk = parts[k].replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      if (!chunk) continue;
      const span = el('span', chunk, [cls.bold ? 'b' : '', cls.fg].join(' ').trim());
      target.appendChild(span);
    }
  }

  async function getJson(url) {
    const r = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
    if (!r.ok) throw new Error(url + ': ' + r.status);
    return r.json();
  }

  async function poll() {
    try {
      const status = await getJson('api/status');
      renderStatus(status.processes);
      renderPools(status.pools);
      const ev = await getJson('api/events?after=' + lastEvent);
      renderEvents(ev.events);
      if (tailName) {
        const t = await getJson('api/tail?processname=' + encodeURIComponent(tailName));
        renderAnsi($('#tail'), t.text);
      }
      $('#live').textContent = 'live';
      $('#live').className = 'live';
    } catch (e) {
      $('#live').textContent = 'not updating: ' + e.message;
      $('#live').className = 'stale';
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('#event-type').addEventListener('input', refilter);
    $('#event-process').addEventListener('input', refilter);
    $('#tail-name').addEventListener('change', (e) => { tailName = e.target.value; poll(); });
    tailName = $('#tail-name').value;
    poll();
    setInterval(poll, 1000);
  });
})();
