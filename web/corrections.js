// geonews corrections: from an event's popup, a user with the token moves
// the event to the right place (search and pick, or drag a pin) or says its
// place name is no place here; the server keeps each correction as a rule
// the geoparser applies to later articles about the same country. A panel
// lists the rules learned, each with Undo. Talks to GET/POST/DELETE
// /corrections; uses the map page's hook (window.geonews: popupExtras, map,
// reload). Text from data goes in with textContent only.
'use strict';

(() => {
  const TOKEN_KEY = 'geonews.token';
  const G = window.geonews;
  if (!G || !Array.isArray(G.popupExtras) || !G.map) return; // the map did not load

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  function say(node, text, bad) {
    node.textContent = text || '';
    node.classList.toggle('bad', !!bad);
  }

  // send makes a write with the token the page keeps; a refusal is an
  // Error whose message is the server's description.
  async function send(method, url, body) {
    const token = localStorage.getItem(TOKEN_KEY);
    if (!token) throw new Error('Corrections need the token: enter it under "Token".');
    const res = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token, Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => null);
    if (res.status === 401 || res.status === 403) throw new Error('The server refused the token: enter the one geonews serve printed under "Token".');
    if (!res.ok) throw new Error((data && data.description) || `HTTP ${res.status}`);
    return data;
  }

  // Each correction made answers with its rule; Undo sits next to it.
  function done(msg, data, what) {
    const rule = data.correction;
    say(msg, `${what} Learned rule ${rule.id}: ${rule.rule}.`);
    const undo = el('button', { type: 'button', class: 'link corr-undo', 'data-id': rule.id, text: 'Undo' });
    undo.addEventListener('click', () => undoRule(rule.id, msg));
    msg.append(' ', undo);
    // The popup closes as the markers are redrawn: the panel keeps the news.
    say(panelMsg, msg.firstChild.textContent);
    showPanel(true);
    G.reload();
  }

  async function correct(msg, body, what) {
    say(msg, 'Saving…');
    try {
      const data = await send('POST', '/corrections', body);
      const ev = data.event;
      const where = ev && ev.properties && ev.properties.place ? ev.properties.place.name : '';
      done(msg, data, ev ? `Moved to ${where}.` : 'Taken off the map.');
      return data;
    } catch (e) {
      say(msg, e.message, true);
      return null;
    }
  }

  async function undoRule(id, msg) {
    say(msg, 'Undoing…');
    try {
      const data = await send('DELETE', '/corrections/' + encodeURIComponent(id));
      say(msg, `Rule ${id} forgotten. ` + (data.event_restored ? 'The event is back where it was.' : data.note || ''));
      G.reload();
      loadRules();
    } catch (e) {
      say(msg, e.message, true);
    }
  }

  function placeLine(f) {
    const p = f.properties || {};
    const where = [p.admin1, p.country].filter(Boolean).join(', ');
    const pop = p.population > 0 ? ' · pop. ' + Number(p.population).toLocaleString('en') : '';
    const c = f.geometry && f.geometry.coordinates;
    const at = c ? ` · ${c[1].toFixed(2)}, ${c[0].toFixed(2)}` : '';
    return `${p.name}${where ? ' (' + where + ')' : ''}${at}${pop}`;
  }

  // ---- the popup's buttons --------------------------------------------------

  G.popupExtras.push((f, box) => {
    const p = f.properties || {};
    const mention = p.why && p.why.mention && p.why.mention.text;
    if (!mention) return; // entered by hand: nothing to learn from
    const wrap = el('div', { class: 'corr' });
    const move = el('button', { type: 'button', class: 'corr-move', 'aria-expanded': 'false', text: 'Move…' });
    const notPlace = el('button', { type: 'button', class: 'corr-notplace', text: 'Not a place' });
    const msg = el('p', { class: 'msg corr-msg', role: 'status' });
    const form = el('form', { class: 'corr-form', hidden: true });
    const q = el('input', { type: 'search', class: 'corr-q', 'aria-label': 'Find the right place', placeholder: 'Find the right place', value: mention, maxlength: 200 });
    const list = el('ul', { class: 'corr-cands', 'aria-label': 'Candidates' });
    const drag = el('button', { type: 'button', class: 'link corr-drag', text: 'or drag a pin to where it happened' });
    form.append(el('div', { class: 'row' }, q, el('button', { type: 'submit', text: 'Find' })), list, drag);
    wrap.append(el('p', { class: 'hint', text: `Placed by the name “${mention}”. Wrong?` }),
      el('div', { class: 'row' }, move, notPlace), form, msg);
    box.append(wrap);

    move.addEventListener('click', () => {
      form.hidden = !form.hidden;
      move.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) q.focus();
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = q.value.trim();
      if (!text) return;
      say(msg, 'Searching…');
      try {
        const res = await fetch('/collections/places/items?' + new URLSearchParams({ q: text, limit: 8 }), { headers: { Accept: 'application/geo+json' } });
        const data = await res.json().catch(() => null);
        if (!res.ok) throw new Error((data && data.description) || `HTTP ${res.status}`);
        const feats = (data.features || []).filter((c) => !(p.place && String(c.id) === String(p.place.id)));
        list.replaceChildren(...feats.map((c) => {
          const b = el('button', { type: 'button', 'data-place': c.id, text: placeLine(c) });
          b.addEventListener('click', () => correct(msg, { event_id: f.id, action: 'move', place_id: Number(c.id) }));
          return el('li', {}, b);
        }));
        say(msg, feats.length ? 'Pick the right one:' : 'No other place of that name: try another spelling, or drag a pin.');
      } catch (e) {
        say(msg, e.message, true);
      }
    });
    notPlace.addEventListener('click', async () => {
      // The rule holds for articles about one country: the place's, unless
      // the user knows the article is about another.
      const cc = el('input', { class: 'corr-country', 'aria-label': 'Country the article is about (ISO code)', maxlength: 2, size: 2, placeholder: 'SY' });
      const yes = el('button', { type: 'button', class: 'corr-yes', text: 'Yes, not a place' });
      say(msg, `Take this event off the map, and stop reading “${mention}” as a place in articles about `);
      msg.append(cc, '? ', yes);
      yes.addEventListener('click', () => correct(msg, { event_id: f.id, action: 'not_place', country: cc.value.trim().toUpperCase() || undefined }));
      if (p.place && p.place.id) {
        const res = await fetch('/collections/places/items/' + encodeURIComponent(p.place.id), { headers: { Accept: 'application/geo+json' } }).catch(() => null);
        const pl = res && res.ok ? await res.json().catch(() => null) : null;
        if (pl && pl.properties && pl.properties.country && !cc.value) cc.value = pl.properties.country;
      }
    });
    drag.addEventListener('click', () => {
      const c = f.geometry.coordinates;
      G.map.closePopup();
      const pin = L.marker([c[1], c[0]], { draggable: true, autoPan: true, title: 'Drag me where it happened', keyboard: true,
        icon: L.divIcon({ className: 'corr-pin', iconSize: [18, 18], html: '' }) }).addTo(G.map);
      const note = document.getElementById('status');
      if (note) say(note, 'Drag the pin where the event happened: it moves to the nearest town within 25 km.');
      pin.on('dragend', async () => {
        const at = pin.getLatLng();
        const out = el('p', { class: 'msg' });
        const data = await correct(out, { event_id: f.id, action: 'move', lon: at.lng, lat: at.lat });
        G.map.removeLayer(pin);
        if (note) { say(note, out.textContent, !data); }
      });
    });
  });

  // ---- the panel of learned rules ------------------------------------------

  const button = el('button', { type: 'button', id: 'corrections-button', 'aria-expanded': 'false', 'aria-controls': 'corrections-panel', text: 'Corrections' });
  const panel = el('section', { id: 'corrections-panel', class: 'card', hidden: true });
  const rulesList = el('ul', { id: 'corrections-list', class: 'corr-rules' });
  const panelMsg = el('p', { class: 'msg', role: 'status' });
  panel.append(el('h2', { text: 'Learned from corrections' }),
    el('p', { class: 'hint', text: 'Each rule reads a name the corrected way in later articles about its country. Undo forgets it and puts its event back.' }),
    rulesList, panelMsg);
  const tools = document.querySelector('.tools');
  const side = document.getElementById('panel');
  if (tools) tools.prepend(button);
  if (side) side.insertBefore(panel, side.children[1] || null);
  function showPanel(on) {
    panel.hidden = !on;
    button.setAttribute('aria-expanded', String(on));
    if (on) loadRules();
  }
  button.addEventListener('click', () => showPanel(panel.hidden));

  async function loadRules() {
    if (panel.hidden) return;
    try {
      const res = await fetch('/corrections', { headers: { Accept: 'application/json' } });
      const data = await res.json().catch(() => null);
      if (!res.ok) throw new Error((data && data.description) || `HTTP ${res.status}`);
      const rules = data.corrections || [];
      rulesList.replaceChildren(...rules.slice().reverse().map((r) => {
        const undo = el('button', { type: 'button', class: 'link corr-undo', 'data-id': r.id, text: 'Undo' });
        undo.addEventListener('click', () => undoRule(r.id, panelMsg));
        const when = (r.created || '').slice(0, 10);
        return el('li', { 'data-id': r.id }, el('span', { text: `${r.rule} ` }),
          el('span', { class: 'hint', text: `(event ${String(r.event_id).slice(0, 8)}, ${when}) ` }), undo);
      }));
      if (!rules.length) rulesList.append(el('li', { class: 'hint', text: 'No corrections yet: use Move… or Not a place in an event’s popup.' }));
    } catch (e) {
      say(panelMsg, 'Could not load the corrections: ' + e.message, true);
    }
  }
})();
