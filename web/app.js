// geonews map page. Plain JavaScript on Leaflet and Leaflet.markercluster,
// talking to the server's OGC API – Features. Every string that comes from
// data or from a user is put in the page with textContent or as an
// attribute value, never parsed as HTML.
'use strict';

(() => {
  // How many events one view loads at most, and per request. Markercluster
  // stays smooth to ~50k markers, but downloading them is what a first
  // render pays for: past the cap the page shows the newest and says so.
  const CAP = 5000;
  const PAGE = 5000;
  const DEBOUNCE_MS = 250;
  const SLIDER_STEPS = 20;
  const LIST_MAX = 200;
  // Event tags of the geoparser's lexicon (seeds/tags.tsv), in a fixed order
  // so that a tag keeps its colour from one view to the next.
  const KNOWN_TAGS = ['airstrike', 'ground-fighting', 'casualties', 'displacement', 'evacuation', 'negotiation',
    'deal', 'withdrawal', 'protest', 'terrorism', 'aid', 'control', 'election', 'crime', 'disaster', 'health'];
  const KINDS = ['city', 'town', 'village', 'capital', 'district', 'camp', 'region', 'province', 'county',
    'country', 'area', 'landmark', 'airport', 'border', 'river', 'valley', 'mountain', 'island'];
  const TOKEN_KEY = 'geonews.token';
  const $ = (id) => document.getElementById(id);

  // el builds an element; text is set with textContent.
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

  function setMsg(node, text, bad) {
    node.textContent = text || '';
    node.classList.toggle('bad', !!bad);
  }

  const status = (text, bad) => setMsg($('status'), text, bad);

  if (typeof window.L === 'undefined' || typeof L.markerClusterGroup !== 'function') {
    document.body.classList.add('nolib');
    $('nolib').hidden = false;
    return;
  }

  // ---- colours -------------------------------------------------------------

  // Each lexicon event tag has its own colour (c0…c15); other tags take
  // c16…c23 in the order they are first seen, then grey.
  const extraTags = [];
  function colourClass(tag) {
    if (!tag) return 'cx';
    const i = KNOWN_TAGS.indexOf(tag);
    if (i >= 0) return 'c' + i;
    let j = extraTags.indexOf(tag);
    if (j < 0) { extraTags.push(tag); j = extraTags.length - 1; }
    return j < 8 ? 'c' + (16 + j) : 'cx';
  }
  // mainTag is what an event is coloured by: its first event tag (what
  // happened), else its first tag (an actor such as "civilians").
  function mainTag(tags) {
    tags = tags || [];
    return tags.find((t) => KNOWN_TAGS.includes(t)) || tags[0];
  }
  const icons = new Map();
  function iconFor(tag, extra) {
    const cls = 'ev ' + colourClass(tag) + (extra ? ' ' + extra : '');
    if (!icons.has(cls)) icons.set(cls, L.divIcon({ className: cls, iconSize: [14, 14], html: '' }));
    return icons.get(cls);
  }

  // ---- formatting ----------------------------------------------------------

  function fmtTime(s) {
    const d = new Date(s);
    if (isNaN(d)) return s || '';
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  // safeURL returns an http(s) URL or null: a source link must never run script.
  function safeURL(s) {
    try {
      const u = new URL(s, location.href);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch { return null; }
  }
  const fmtCount = (n) => n.toLocaleString('en');

  function popupFor(f, extraRows) {
    const p = f.properties || {};
    const box = el('div', { class: 'popup' });
    box.append(el('h3', { text: p.title || '(untitled event)' }));
    if (p.time) box.append(el('p', {}, el('time', { datetime: p.time, text: fmtTime(p.time) })));
    const place = p.place && p.place.name;
    if (place) box.append(el('p', { text: place + (p.place.precision ? ' (' + p.place.precision + ')' : '') }));
    if (Array.isArray(p.tags) && p.tags.length) {
      const tags = el('p', { class: 'tags' });
      for (const t of p.tags) tags.append(el('span', { class: colourClass(t), text: t }));
      box.append(tags);
    }
    if (p.excerpt) box.append(el('p', { text: p.excerpt }));
    if (p.num_articles > 1) box.append(el('p', { class: 'hint merged', text: `Reported by ${p.num_sources} outlet${p.num_sources === 1 ? '' : 's'} in ${p.num_articles} articles (${(p.merge && p.merge.detail) || 'merged'}).` }));
    for (const r of extraRows || []) box.append(el('p', { class: 'hint', text: r }));
    const src = p.source || {};
    const href = safeURL(src.url);
    if (href) {
      box.append(el('p', {}, el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: src.title || 'Source' })));
    } else if (src.title) {
      box.append(el('p', { text: 'Source: ' + src.title }));
    }
    // ---- hook: popupExtras (other scripts add to a stored event's popup) ----
    if (f.id !== undefined && !extraRows) {
      for (const fn of popupExtras) {
        try { fn(f, box); } catch (e) { console.error('popup extra', e); }
      }
    }
    return box;
  }
  // popupExtras are functions (feature, containerElement) called after each
  // stored event's popup is built (web/corrections.js adds its buttons).
  const popupExtras = (window.geonews && window.geonews.popupExtras) || [];

  // ---- state in the URL ----------------------------------------------------

  // The hash holds the view and the filters: #map=Z/LAT/LON&tags=a,b&from=…&to=…&t=N
  const state = { z: 2, lat: 25, lon: 20, tags: new Set(), from: '', to: '', t: SLIDER_STEPS };
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    const m = (h.get('map') || '').split('/').map(Number);
    if (m.length === 3 && m.every(Number.isFinite)) [state.z, state.lat, state.lon] = m;
    state.tags = new Set((h.get('tags') || '').split(',').filter(Boolean));
    const date = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '') ? s : '';
    state.from = date(h.get('from'));
    state.to = date(h.get('to'));
    const t = parseInt(h.get('t'), 10);
    state.t = Number.isInteger(t) && t >= 0 && t <= SLIDER_STEPS ? t : SLIDER_STEPS;
  }
  function writeHash() {
    const c = map.getCenter();
    const h = new URLSearchParams();
    h.set('map', `${map.getZoom()}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
    if (state.tags.size) h.set('tags', [...state.tags].join(','));
    if (state.from) h.set('from', state.from);
    if (state.to) h.set('to', state.to);
    if (state.t !== SLIDER_STEPS) h.set('t', state.t);
    history.replaceState(null, '', location.pathname + location.search + '#' + h.toString().replace(/%2C/g, ',').replace(/%2F/g, '/'));
  }

  // ---- token ---------------------------------------------------------------

  // The URL geonews serve logs carries ?token=…: keep it, then drop it from
  // the address bar (and from history) so it is not bookmarked or shared.
  (() => {
    const q = new URLSearchParams(location.search);
    const t = q.get('token');
    if (t) {
      localStorage.setItem(TOKEN_KEY, t);
      q.delete('token');
      const rest = q.toString();
      history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    }
  })();
  const getToken = () => localStorage.getItem(TOKEN_KEY) || '';
  function showTokenPanel(msg, bad) {
    $('token-panel').hidden = false;
    $('token-button').setAttribute('aria-expanded', 'true');
    setMsg($('token-msg'), msg, bad);
    $('token-input').focus();
  }
  function updateTokenButton() {
    $('token-button').textContent = getToken() ? 'Token ✓' : 'Token';
  }

  // write sends an authorised request; it returns the parsed JSON body, or
  // throws an Error whose message is fit for the user.
  async function write(method, url, body, contentType) {
    const token = getToken();
    if (!token) {
      showTokenPanel('Enter the token first: writes need it.', true);
      throw new Error('No token yet: enter it under "Token".');
    }
    const res = await fetch(url, {
      method,
      headers: { 'Content-Type': contentType || 'application/json', Authorization: 'Bearer ' + token, Accept: 'application/json' },
      body,
    });
    let data = null;
    try { data = await res.json(); } catch { /* empty or not JSON */ }
    if (res.status === 401 || res.status === 403) {
      showTokenPanel(`The server refused the token (${res.status}). Enter the token geonews serve printed.`, true);
      throw new Error(`Token refused (${res.status}).`);
    }
    if (!res.ok) throw new Error((data && (data.description || data.code)) || `HTTP ${res.status}`);
    return data;
  }

  // ---- the map -------------------------------------------------------------

  readHash();
  const map = L.map('map', {
    center: [state.lat, state.lon], zoom: state.z, minZoom: 1, maxZoom: 16,
    worldCopyJump: false, maxBounds: [[-90, -200], [90, 200]], maxBoundsViscosity: 0.8,
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution('Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0), <a href="https://www.naturalearthdata.com/">Natural Earth</a>');
  L.control.scale({ imperial: false }).addTo(map);

  const clusters = L.markerClusterGroup({ chunkedLoading: true, chunkInterval: 100, chunkDelay: 0, showCoverageOnHover: false, maxClusterRadius: 60 });
  clusters.addTo(map);
  const previewLayer = L.layerGroup().addTo(map);
  const pinLayer = L.layerGroup().addTo(map);
  const aggregates = L.layerGroup().addTo(map); // the server's clusters (issue 6)

  // Offline basemap: Natural Earth country outlines, served by geonews.
  let outlines = null;
  let outlinePromise = null;
  function loadOutlines() {
    if (!outlinePromise) {
      outlinePromise = fetch('basemap.geojson').then((r) => {
        if (!r.ok) throw new Error('basemap: HTTP ' + r.status);
        return r.json();
      });
    }
    return outlinePromise;
  }
  function showOutlines() {
    if (outlines) return;
    map.createPane('basemap').style.zIndex = 200;
    outlines = L.geoJSON(null, {
      pane: 'basemap', interactive: false,
      style: { color: '#7d8a96', weight: 1, fillColor: '#fbfaf5', fillOpacity: 1 },
    }).addTo(map);
    loadOutlines().then((gj) => outlines.addData(gj)).catch((e) => status('Basemap: ' + e.message, true));
  }

  function setupBasemap(tiles) {
    if (!tiles) { showOutlines(); return; }
    const layer = L.tileLayer(tiles, {
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    });
    let loaded = 0;
    let failed = 0;
    layer.on('tileload', () => { loaded++; });
    layer.on('tileerror', () => {
      if (++failed >= 4 && loaded === 0) {
        map.removeLayer(layer);
        showOutlines();
        const note = L.control({ position: 'bottomleft' });
        note.onAdd = () => el('div', { class: 'notice', role: 'status', text: 'Map tiles are unreachable: showing country outlines.' });
        note.addTo(map);
      }
    });
    layer.addTo(map);
  }

  // ---- loading events ------------------------------------------------------

  // viewBBox returns the visible area as an API bbox, clamped to the world.
  function viewBBox() {
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    let w = b.getWest();
    let e = b.getEast();
    if (e - w >= 360) { w = -180; e = 180; }
    w = clamp(w, -180, 180); e = clamp(e, -180, 180);
    const r = (v) => Math.round(v * 1e5) / 1e5;
    return [r(w), r(clamp(b.getSouth(), -90, 90)), r(e), r(clamp(b.getNorth(), -90, 90))];
  }

  // timeWindow returns the datetime filter of the date inputs and the slider.
  let extent = null; // [start, end] ms of the events collection, when known
  function timeRange() {
    const start = state.from ? Date.parse(state.from + 'T00:00:00Z') : (extent ? extent[0] : NaN);
    const end = state.to ? Date.parse(state.to + 'T23:59:59Z') : (extent ? extent[1] : NaN);
    return [start, end];
  }
  function datetimeParam() {
    if (state.t < SLIDER_STEPS) {
      const [start, end] = timeRange();
      if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
        const step = (end - start) / SLIDER_STEPS;
        const a = new Date(start + step * state.t);
        const b = new Date(start + step * (state.t + 1) - 1000);
        return [a, b].map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')).join('/');
      }
    }
    if (!state.from && !state.to) return '';
    return (state.from ? state.from + 'T00:00:00Z' : '..') + '/' + (state.to ? state.to + 'T23:59:59Z' : '..');
  }

  function filterParams() {
    const p = new URLSearchParams();
    if (state.tags.size) p.set('tags', [...state.tags].join(','));
    const dt = datetimeParam();
    if (dt) p.set('datetime', dt);
    return p;
  }

  let inflight = null;
  let timer = 0;
  let firstRender = true;
  function scheduleLoad(now) {
    clearTimeout(timer);
    timer = setTimeout(load, now ? 0 : DEBOUNCE_MS);
  }

  // current is what the page shows: the query it asked and what came back.
  const current = { bbox: null, query: '', features: [], numberMatched: null, capped: false };

  async function load() {
    if (inflight) inflight.abort();
    const ctl = new AbortController();
    inflight = ctl;
    const bbox = viewBBox();
    const params = filterParams();
    params.set('bbox', bbox.join(','));
    const query = params.toString();
    writeHash();
    try {
      await clusterReady;
      if (clusterAPI.available && map.getZoom() <= clusterAPI.maxZoom) {
        if (await clusterAPI.load(params, ctl.signal, bbox, query)) return;
        params.delete('zoom'); // few enough to show one by one
      }
      if (ctl.signal.aborted) return;
      aggregates.clearLayers();
      status('Loading events…');
      const feats = [];
      let matched = null;
      params.set('limit', Math.min(PAGE, CAP));
      let url = '/collections/events/items?' + params.toString();
      while (url && feats.length < CAP) {
        const res = await fetch(url, { signal: ctl.signal, headers: { Accept: 'application/geo+json' } });
        const data = await res.json().catch(() => null);
        if (!res.ok) throw new Error((data && data.description) || `HTTP ${res.status}`);
        if (matched === null && Number.isInteger(data.numberMatched)) matched = data.numberMatched;
        for (const f of data.features || []) feats.push(f);
        const next = (data.links || []).find((l) => l.rel === 'next');
        url = next ? next.href : null;
      }
      if (ctl.signal.aborted) return;
      if (firstRender) performance.mark('geonews:loaded');
      Object.assign(current, { bbox, query, features: feats.slice(0, CAP), numberMatched: matched, capped: !!url, aggregated: false });
      render();
    } catch (e) {
      if (e.name === 'AbortError') return;
      status('Could not load events: ' + e.message, true);
    } finally {
      if (inflight === ctl) inflight = null;
    }
  }

  const markerById = new Map();
  // rendered reports a finished render: in the status line, and to tests
  // and scripts through window.geonewsShown, geonewsReady (the first
  // render, in ms since navigation start) and the geonews:render event.
  function rendered(text) {
    status(text);
    window.geonewsShown = { query: current.query, bbox: current.bbox, features: current.features.length, numberMatched: current.numberMatched, capped: current.capped, aggregated: !!current.aggregated };
    if (firstRender) {
      firstRender = false;
      window.geonewsReady = performance.now();
    }
    window.geonewsRenders = (window.geonewsRenders || 0) + 1;
    document.dispatchEvent(new CustomEvent('geonews:render'));
  }
  // render brings the markers in line with current.features. Markers of
  // events still in view stay as they are, so a pan redraws only the edges
  // and a marker the user is being zoomed to survives the reload.
  function render() {
    const want = new Map();
    for (const f of current.features) if (f.geometry && f.geometry.coordinates) want.set(String(f.id), f);
    const gone = [];
    for (const [id, m] of markerById) {
      if (!want.has(id)) { gone.push(m); markerById.delete(id); }
    }
    if (gone.length) clusters.removeLayers(gone);
    const layers = [];
    for (const [id, f] of want) {
      if (markerById.has(id)) continue;
      const c = f.geometry.coordinates;
      const p = f.properties || {};
      const m = L.marker([c[1], c[0]], { icon: iconFor(mainTag(p.tags)), title: p.title || '', alt: p.title || '', keyboard: true });
      m.feature = f;
      m.bindPopup(() => popupFor(f), { maxWidth: 320 });
      m.on('mouseover', () => highlightItem(f.id, true));
      m.on('mouseout', () => highlightItem(f.id, false));
      markerById.set(id, m);
      layers.push(m);
    }
    const done = () => {
      renderList();
      renderLegend();
      const n = current.features.length;
      const total = current.numberMatched;
      let s = `${fmtCount(n)} event${n === 1 ? '' : 's'} in view`;
      if (current.capped) s = `Newest ${fmtCount(n)} of ${total !== null ? fmtCount(total) : 'more'} events in view: zoom in or filter for the rest`;
      rendered(s);
    };
    // chunkedLoading adds big sets over several frames so that the page
    // stays responsive; the last chunk signals the render done.
    if (!layers.length) { setTimeout(done, 0); return; }
    clusters.options.chunkProgress = (processed, total) => {
      if (processed === total) setTimeout(done, 0);
    };
    clusters.addLayers(layers);
  }

  // ---- side list -----------------------------------------------------------

  function renderList() {
    const list = $('list');
    const feats = current.features.slice().sort((a, b) => String(b.properties.time).localeCompare(String(a.properties.time)));
    const frag = document.createDocumentFragment();
    for (const f of feats.slice(0, LIST_MAX)) {
      const p = f.properties || {};
      const meta = [fmtTime(p.time), p.place && p.place.name, (p.tags || []).join(', ')].filter(Boolean).join(' · ');
      const b = el('button', { type: 'button' },
        el('span', { class: 't', text: p.title || '(untitled event)' }), el('span', { class: 'm', text: meta }));
      const li = el('li', { 'data-id': f.id }, b);
      b.addEventListener('mouseenter', () => highlightMarker(f.id, true));
      b.addEventListener('mouseleave', () => highlightMarker(f.id, false));
      b.addEventListener('focus', () => highlightMarker(f.id, true));
      b.addEventListener('blur', () => highlightMarker(f.id, false));
      b.addEventListener('click', () => {
        const m = markerById.get(String(f.id));
        if (m) clusters.zoomToShowLayer(m, () => m.openPopup());
      });
      frag.append(li);
    }
    const focused = list.contains(document.activeElement) && document.activeElement.closest('li').dataset.id;
    list.replaceChildren(frag);
    // Keep a keyboard user's place in the list across reloads.
    if (focused) for (const li of list.children) if (li.dataset.id === focused) li.querySelector('button').focus();
    $('list-count').textContent = feats.length > LIST_MAX ? `(newest ${LIST_MAX} of ${fmtCount(feats.length)})` : `(${feats.length})`;
  }

  let highlighted = null;
  function highlightMarker(id, on) {
    if (highlighted) { highlighted.classList.remove('hl'); highlighted = null; }
    if (!on) return;
    const m = markerById.get(String(id));
    if (!m || !map.hasLayer(clusters)) return;
    const shown = clusters.getVisibleParent(m);
    const node = shown && shown.getElement && shown.getElement();
    if (node) { node.classList.add('hl'); highlighted = node; }
  }
  function highlightItem(id, on) {
    for (const li of $('list').querySelectorAll('li.hl')) li.classList.remove('hl');
    if (!on) return;
    for (const li of $('list').children) if (li.dataset.id === String(id)) li.classList.add('hl');
  }

  // ---- filters -------------------------------------------------------------

  const seenTags = new Set();
  function renderLegend() {
    const counts = new Map();
    for (const f of current.features) {
      for (const t of (f.properties.tags || [])) counts.set(t, (counts.get(t) || 0) + 1);
    }
    for (const t of counts.keys()) seenTags.add(t);
    for (const t of state.tags) seenTags.add(t);
    // Tags in view first (most frequent first), then the lexicon's others.
    const tags = [...seenTags].sort((a, b) => (counts.get(b) || 0) - (counts.get(a) || 0) || a.localeCompare(b));
    for (const t of KNOWN_TAGS) if (!seenTags.has(t)) tags.push(t);
    const ul = $('legend');
    const frag = document.createDocumentFragment();
    for (const t of tags) {
      const id = 'tag-' + t.replace(/[^a-z0-9_-]/gi, '_');
      const cb = el('input', { type: 'checkbox', id, value: t });
      cb.checked = state.tags.has(t);
      cb.addEventListener('change', () => {
        if (cb.checked) state.tags.add(t); else state.tags.delete(t);
        scheduleLoad(true);
      });
      const n = counts.get(t);
      frag.append(el('li', {}, el('label', { for: id }, cb, el('span', { class: 'swatch ' + colourClass(t), 'aria-hidden': 'true' }),
        el('span', { text: t }), n ? el('span', { class: 'hint', text: '(' + fmtCount(n) + ')' }) : null)));
    }
    const focused = ul.contains(document.activeElement) && document.activeElement.id;
    ul.replaceChildren(frag);
    if (focused && $(focused)) $(focused).focus();
  }
  $('tags-clear').addEventListener('click', () => { state.tags.clear(); scheduleLoad(true); });

  function syncInputs() {
    $('from').value = state.from;
    $('to').value = state.to;
    $('slider').value = state.t;
    updateSliderLabel();
  }
  function updateSliderLabel() {
    const dt = state.t < SLIDER_STEPS ? datetimeParam() : '';
    $('slider-label').textContent = dt ? dt.split('/').map((s) => s.slice(0, 10)).join(' → ') : 'all';
  }
  for (const id of ['from', 'to']) {
    $(id).addEventListener('change', () => {
      const v = $(id).value;
      state[id] = /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : '';
      updateSliderLabel();
      scheduleLoad(true);
    });
  }
  $('slider').addEventListener('input', () => {
    state.t = Number($('slider').value);
    updateSliderLabel();
    scheduleLoad();
  });
  let playTimer = 0;
  function stopPlay() {
    clearInterval(playTimer);
    playTimer = 0;
    $('play').setAttribute('aria-pressed', 'false');
    $('play').textContent = 'Play';
  }
  $('play').addEventListener('click', () => {
    if (playTimer) { stopPlay(); return; }
    const [start, end] = timeRange();
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      status('Set a date range (or add events) to play through time.', true);
      return;
    }
    $('play').setAttribute('aria-pressed', 'true');
    $('play').textContent = 'Pause';
    state.t = state.t >= SLIDER_STEPS - 1 ? 0 : state.t;
    const step = () => {
      $('slider').value = state.t;
      updateSliderLabel();
      scheduleLoad(true);
    };
    step();
    playTimer = setInterval(() => {
      state.t++;
      step();
      if (state.t >= SLIDER_STEPS) stopPlay();
    }, 1500);
  });

  // ---- place search --------------------------------------------------------

  function placeZoom(props) {
    const code = props.feature_code || '';
    if (code.startsWith('PCL')) return 5;
    if (code.startsWith('ADM1')) return 7;
    if (code.startsWith('ADM')) return 9;
    return 11;
  }
  function placeLabel(p) {
    return [p.name, p.country, p.feature_code].filter(Boolean).join(' · ');
  }
  function flyToPlace(f) {
    const [lon, lat] = f.geometry.coordinates;
    pinLayer.clearLayers();
    const pin = L.marker([lat, lon], { icon: L.divIcon({ className: 'place-pin', iconSize: [16, 16] }), title: f.properties.name, keyboard: true });
    pin.bindPopup(() => el('div', { class: 'popup' }, el('h3', { text: f.properties.name }),
      el('p', { text: (f.properties.alternate_names || []).slice(0, 8).join(', ') }),
      el('p', { class: 'hint', text: placeLabel(f.properties) })));
    pin.addTo(pinLayer);
    map.flyTo([lat, lon], placeZoom(f.properties), { duration: 0.8 });
  }
  let searchCtl = null;
  $('search').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = $('search-q').value.trim();
    const out = $('search-results');
    if (!q) return;
    if (searchCtl) searchCtl.abort();
    searchCtl = new AbortController();
    try {
      const res = await fetch('/collections/places/items?' + new URLSearchParams({ q, limit: 10 }), { signal: searchCtl.signal, headers: { Accept: 'application/geo+json' } });
      const data = await res.json().catch(() => null);
      if (!res.ok) throw new Error((data && data.description) || `HTTP ${res.status}`);
      const feats = data.features || [];
      out.replaceChildren(...feats.map((f) => {
        const b = el('button', { type: 'button', text: placeLabel(f.properties) });
        b.addEventListener('click', () => { out.hidden = true; flyToPlace(f); });
        return el('li', {}, b);
      }));
      if (!feats.length) out.append(el('li', { class: 'hint', text: `No place matches “${q}”.` }));
      out.hidden = false;
      if (feats.length) flyToPlace(feats[0]);
    } catch (e) {
      if (e.name === 'AbortError') return;
      out.replaceChildren(el('li', { class: 'hint', text: 'Search failed: ' + e.message }));
      out.hidden = false;
    }
  });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') $('search-results').hidden = true; });
  map.on('click', () => { $('search-results').hidden = true; });

  // ---- adding a place ------------------------------------------------------

  $('place-kind').replaceChildren(...KINDS.map((k) => el('option', { value: k, text: k })));
  let adding = false;
  let newPlace = null; // {lat, lon}
  function setAdding(on) {
    adding = on;
    $('add-place').setAttribute('aria-pressed', String(on));
    $('map').classList.toggle('adding', on);
    $('place-panel').hidden = !on;
    newPlace = null;
    pinLayer.clearLayers();
    $('place-form').hidden = true;
    $('place-at').textContent = 'Click on the map where the place is';
    setMsg($('place-msg'), '');
  }
  $('add-place').addEventListener('click', () => setAdding(!adding));
  $('place-cancel').addEventListener('click', () => setAdding(false));
  // pickPlace puts the new place at a point: a click on the map, or the
  // map's centre for keyboard users.
  function pickPlace(latlng) {
    const { lat, lng } = latlng.wrap();
    newPlace = { lat, lon: lng };
    pinLayer.clearLayers();
    L.marker([lat, lng], { icon: L.divIcon({ className: 'place-pin', iconSize: [16, 16] }), keyboard: false }).addTo(pinLayer);
    $('place-at').textContent = `At ${lat.toFixed(5)}, ${lng.toFixed(5)}; click elsewhere on the map to move it`;
    $('place-form').hidden = false;
    setMsg($('place-msg'), '');
    $('place-name').focus();
    reverseCountry(lat, lng).then((cc) => {
      if (cc && newPlace && newPlace.lat === lat && !$('place-country').dataset.touched) $('place-country').value = cc;
    });
  }
  map.on('click', (ev) => { if (adding) pickPlace(ev.latlng); });
  $('place-centre').addEventListener('click', () => pickPlace(map.getCenter()));
  $('place-country').addEventListener('input', () => { $('place-country').dataset.touched = '1'; });

  // reverseCountry guesses the country of a point: the nearest gazetteer
  // place around it if there is one, else the Natural Earth outline it is in.
  async function reverseCountry(lat, lon) {
    try {
      const d = 0.5;
      const bbox = [lon - d, Math.max(-90, lat - d), lon + d, Math.min(90, lat + d)];
      if (bbox[0] >= -180 && bbox[2] <= 180) {
        const res = await fetch('/collections/places/items?' + new URLSearchParams({ bbox: bbox.map((v) => v.toFixed(5)).join(','), limit: 50 }), { headers: { Accept: 'application/geo+json' } });
        if (res.ok) {
          let best = null;
          let bestD = Infinity;
          for (const f of (await res.json()).features || []) {
            const [x, y] = f.geometry.coordinates;
            const dd = (x - lon) ** 2 + (y - lat) ** 2;
            if (f.properties.country && dd < bestD) { best = f; bestD = dd; }
          }
          if (best) return best.properties.country;
        }
      }
    } catch { /* fall back to the outlines */ }
    try {
      const gj = await loadOutlines();
      for (const f of gj.features) if (f.properties.iso_a2 && inGeometry(f.geometry, lon, lat)) return f.properties.iso_a2;
    } catch { /* no guess */ }
    return '';
  }
  function inRing(ring, x, y) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inPolygon(rings, x, y) {
    return inRing(rings[0], x, y) && !rings.slice(1).some((h) => inRing(h, x, y));
  }
  function inGeometry(g, x, y) {
    if (!g) return false;
    if (g.type === 'Polygon') return inPolygon(g.coordinates, x, y);
    if (g.type === 'MultiPolygon') return g.coordinates.some((p) => inPolygon(p, x, y));
    return false;
  }

  $('place-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!newPlace) return;
    const name = $('place-name').value.trim();
    const props = { name, kind: $('place-kind').value };
    const alts = $('place-alt').value.split(',').map((s) => s.trim()).filter(Boolean);
    if (alts.length) props.alternate_names = alts;
    const cc = $('place-country').value.trim().toUpperCase();
    if (cc) props.country = cc;
    const body = JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: [newPlace.lon, newPlace.lat] }, properties: props });
    try {
      const f = await write('POST', '/collections/places/items', body, 'application/geo+json');
      setMsg($('place-msg'), '');
      $('place-form').reset();
      delete $('place-country').dataset.touched;
      setAdding(false);
      status(`Saved “${f.properties.name}” to the gazetteer (id ${f.id}); search finds it now.`);
      flyToPlace(f);
    } catch (e) {
      setMsg($('place-msg'), 'Not saved: ' + e.message, true);
    }
  });

  // ---- adding an article ---------------------------------------------------

  function togglePanel(button, panel, open) {
    const on = open === undefined ? panel.hidden : open;
    panel.hidden = !on;
    button.setAttribute('aria-expanded', String(on));
    return on;
  }
  $('add-article').addEventListener('click', () => {
    if (togglePanel($('add-article'), $('article-panel'))) $('article-title').focus();
  });
  $('token-button').addEventListener('click', () => {
    if (togglePanel($('token-button'), $('token-panel'))) $('token-input').focus();
  });
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    localStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
    $('token-input').value = '';
    setMsg($('token-msg'), 'Token kept in this browser.');
    updateTokenButton();
  });
  $('token-forget').addEventListener('click', () => {
    localStorage.removeItem(TOKEN_KEY);
    setMsg($('token-msg'), 'Token forgotten.');
    updateTokenButton();
  });

  function articleBody() {
    const a = { text: $('article-text').value, title: $('article-title').value.trim(), url: $('article-url').value.trim() };
    const pub = $('article-published').value;
    if (pub) a.published = (pub.length === 16 ? pub + ':00' : pub) + 'Z';
    return JSON.stringify(a);
  }
  function clearPreview() {
    previewLayer.clearLayers();
    $('article-mentions').replaceChildren();
    $('article-save').disabled = true;
  }
  $('article-form').addEventListener('input', () => { $('article-save').disabled = true; });
  $('article-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearPreview();
    setMsg($('article-msg'), 'Reading the article…');
    try {
      const data = await write('POST', '/articles?dry_run=1', articleBody());
      const evs = data.features || [];
      const ms = data.mentions || [];
      const pts = [];
      for (const f of evs) {
        const c = f.geometry && f.geometry.coordinates;
        if (!c) continue;
        const m = L.marker([c[1], c[0]], { icon: iconFor(mainTag(f.properties.tags), 'preview'), title: f.properties.title || '', keyboard: true });
        const reasons = ms.filter((x) => x.place && f.properties.place && x.place.id === f.properties.place.id).map((x) => `“${x.text}”: ${x.reason}`);
        m.bindPopup(() => popupFor(f, ['Preview, not saved.', ...reasons]), { maxWidth: 320 });
        m.addTo(previewLayer);
        pts.push([c[1], c[0]]);
      }
      $('article-mentions').replaceChildren(...ms.map((x) => el('li', {},
        el('strong', { text: x.text }), ' → ',
        el('span', { text: x.place ? placeLabel({ name: x.place.name, country: x.place.country, feature_code: x.place.feature_code }) : 'not located' }),
        x.reason ? el('span', { class: 'hint', text: ' — ' + x.reason }) : null)));
      if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 9 });
      setMsg($('article-msg'), `${evs.length} event${evs.length === 1 ? '' : 's'} from ${ms.length} place mention${ms.length === 1 ? '' : 's'} (dashed on the map). Save to keep them.`);
      $('article-save').disabled = evs.length === 0;
    } catch (e) {
      setMsg($('article-msg'), 'Preview failed: ' + e.message, true);
    }
  });
  $('article-save').addEventListener('click', async () => {
    try {
      const data = await write('POST', '/articles', articleBody());
      clearPreview();
      setMsg($('article-msg'), `Saved: ${data.numberCreated || 0} new event${data.numberCreated === 1 ? '' : 's'}.`);
      scheduleLoad(true);
    } catch (e) {
      setMsg($('article-msg'), 'Not saved: ' + e.message, true);
    }
  });
  $('article-clear').addEventListener('click', () => { $('article-form').reset(); clearPreview(); setMsg($('article-msg'), ''); });

  // ---- aggregated view (issue 6) -------------------------------------------

  // clusterAPI switches to the server's aggregates when a view holds more
  // events than the page draws one by one (CAP), at zooms up to maxZoom, if
  // the server offers GET /collections/events/clusters?bbox=&zoom= (GeoJSON
  // points with a count): detected from /api, so no request 404s without it.
  const clusterAPI = {
    available: false,
    maxZoom: 10,
    async detect() {
      try {
        const res = await fetch('/api', { headers: { Accept: 'application/vnd.oai.openapi+json, application/json' } });
        const doc = await res.json();
        this.available = Object.keys(doc.paths || {}).some((p) => /^\/collections\/(events|\{[^}]+\})\/clusters$/.test(p));
      } catch { this.available = false; }
      return this.available;
    },
    async load(params, signal, bbox, query) {
      params.set('zoom', map.getZoom());
      const res = await fetch('/collections/events/clusters?' + params.toString(), { signal, headers: { Accept: 'application/geo+json' } });
      const data = await res.json().catch(() => null);
      if (!res.ok) throw new Error((data && data.description) || `HTTP ${res.status}`);
      if (signal.aborted) return true;
      const total = (data.features || []).reduce((sum, f) => sum + (Number(f.properties.count) || 0), 0);
      if (total <= CAP) return false;
      clusters.clearLayers();
      markerById.clear();
      const layers = [];
      for (const f of data.features || []) {
        const n = Number(f.properties.count) || 0;
        const [lon, lat] = f.geometry.coordinates;
        const size = n < 100 ? 'small' : n < 1000 ? 'medium' : 'large';
        const icon = L.divIcon({ className: 'marker-cluster marker-cluster-' + size, iconSize: [40, 40], html: '' });
        const m = L.marker([lat, lon], { icon, title: `${n} events`, keyboard: true });
        m.on('add', () => { const s = el('span', { text: fmtCount(n) }); m.getElement().replaceChildren(el('div', {}, s)); });
        m.on('click', () => map.setView([lat, lon], Math.min(map.getZoom() + 2, this.maxZoom + 1)));
        layers.push(m);
      }
      // Aggregates are drawn outside markercluster, which would cluster them again.
      aggregates.clearLayers();
      for (const m of layers) m.addTo(aggregates);
      Object.assign(current, { bbox, query, features: [], numberMatched: total, capped: false, aggregated: true });
      renderList();
      if (firstRender) performance.mark('geonews:loaded');
      rendered(`${fmtCount(total)} events in view, aggregated: zoom in for single events.`);
      return true;
    },
  };

  // ---- start ---------------------------------------------------------------

  // Loads wait for the one /api request that says whether clusters exist.
  const clusterReady = clusterAPI.detect();

  map.on('moveend', () => scheduleLoad());
  // A link pasted or edited in the address bar moves the map and filters.
  window.addEventListener('hashchange', () => {
    readHash();
    syncInputs();
    map.setView([state.lat, state.lon], state.z);
    scheduleLoad(true);
  });
  syncInputs();
  updateTokenButton();
  // The first load starts at once, beside the small requests, unless the
  // URL asks for a time window, which needs the collection's extent.
  if (state.t === SLIDER_STEPS) scheduleLoad(true);
  fetch('config.json').then((r) => r.ok ? r.json() : {}).catch(() => ({}))
    .then((cfg) => setupBasemap(cfg.tiles || ''));
  fetch('/collections/events', { headers: { Accept: 'application/json' } }).then((r) => r.ok ? r.json() : null).catch(() => null)
    .then((ext) => {
      const iv = ext && ext.extent && ext.extent.temporal && ext.extent.temporal.interval && ext.extent.temporal.interval[0];
      if (iv && iv[0] && iv[1]) extent = [Date.parse(iv[0]), Date.parse(iv[1])];
      updateSliderLabel();
      if (state.t !== SLIDER_STEPS) scheduleLoad(true);
    });

  // For tests and for the curious: what the page shows.
  window.geonews = {
    map, clusters, current,
    // ---- hook for other scripts: popupExtras (above) and reload, which
    // redraws every marker from the server (an event moved keeps its id).
    popupExtras,
    reload() {
      clusters.clearLayers();
      markerById.clear();
      scheduleLoad(true);
    },
    // shownCount sums the counts of the visible clusters and single markers.
    shownCount() {
      let n = 0;
      clusters._featureGroup.eachLayer((l) => { n += l.getChildCount ? l.getChildCount() : 1; });
      aggregates.eachLayer((l) => { n += Number((l.options.title || '').split(' ')[0]) || 0; });
      return n;
    },
  };
})();
