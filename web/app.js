// geonews map page. Plain JavaScript on Leaflet and Leaflet.markercluster,
// talking to the server's OGC API – Features and its aggregates (clusters
// with their type mix, the timeline). Every string that comes from data or
// from a user is put in the page with textContent or as an attribute value,
// never parsed as HTML.
//
// Other scripts extend the page through window.geonews (set up below):
//   geonews.popupExtras  functions (feature, container) called after an
//                        event's popup is built, to add their own buttons;
//                        an array a script loaded earlier may create first
//   geonews.map          the Leaflet map
//   geonews.reload()     reload what the map shows (after a write)
//   geonews.panels       the element where panels (a card each) go
'use strict';

(() => {
  // How many events one view draws one by one at most; past it the map
  // shows the server's clusters. Markercluster stays smooth to ~50k
  // markers, but downloading them is what a first render pays for.
  const CAP = 5000;
  const PAGE = 5000;
  const DEBOUNCE_MS = 250;
  const LIST_PAGE = 50;
  const KINDS = ['city', 'town', 'village', 'capital', 'district', 'camp', 'region', 'province', 'county',
    'country', 'area', 'landmark', 'airport', 'border', 'river', 'valley', 'mountain', 'island'];
  const TOKEN_KEY = 'geonews.token';
  const $ = (id) => document.getElementById(id);
  const S = window.geonewsSymbols;
  const extras = (window.geonews && Array.isArray(window.geonews.popupExtras)) ? window.geonews.popupExtras : [];

  // el builds an element; text is set with textContent.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
    return e;
  }

  function setMsg(node, text, bad) {
    node.textContent = text || '';
    node.classList.toggle('bad', !!bad);
  }

  const status = (text, bad) => setMsg($('status'), text, bad);

  if (typeof window.L === 'undefined' || typeof L.markerClusterGroup !== 'function' || !S) {
    document.body.classList.add('nolib');
    $('nolib').hidden = false;
    return;
  }

  // ---- symbols -------------------------------------------------------------

  // Marker icons by type: the type's icon on its colour (symbols.js).
  const icons = new Map();
  function iconFor(type, extra) {
    const key = (type || '') + '|' + (extra || '');
    if (!icons.has(key)) {
      icons.set(key, L.divIcon({ className: 'ev' + (extra ? ' ' + extra : ''), iconSize: [22, 22], html: S.iconSVG(type, 22).outerHTML }));
    }
    return icons.get(key);
  }
  // clusterIcon draws a cluster as a donut of its type mix with its count
  // in the hole: the same symbol for the server's clusters and the page's.
  function clusterIcon(counts, n) {
    const size = Math.round(Math.min(64, 30 + 6 * Math.log10(Math.max(n, 1))));
    const box = el('div', { class: 'donut-box' }, S.donutSVG(counts, size), el('span', { text: fmtCount(n) }));
    return L.divIcon({ className: 'marker-cluster', iconSize: [size, size], html: box });
  }
  const typeOf = (f) => (f.properties && f.properties.type) || '';

  // ---- formatting ----------------------------------------------------------

  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // fmtDate shows a time at its precision: "11 Oct 2017", "Oct 2017",
  // "2017", and the time of day only for an exact instant.
  function fmtDate(s, precision) {
    const d = new Date(s);
    if (isNaN(d)) return s || '';
    const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
    switch (precision) {
      case 'year': return String(d.getUTCFullYear());
      case 'month': return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
      case 'day': return day;
    }
    return `${day}, ${d.toISOString().slice(11, 16)} UTC`;
  }
  const fmtDay = (iso) => fmtDate(iso + 'T00:00:00Z', 'day');
  // safeURL returns an http(s) URL or null: a source link must never run script.
  function safeURL(s) {
    if (!s) return null;
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch { return null; }
  }
  const fmtCount = (n) => Number(n).toLocaleString('en');
  const PRECISION_WORDS = { point: 'exact spot', city: 'town or city', region: 'region', country: 'country' };

  // outletOf names a source: its title, else its web site.
  function outletOf(src) {
    if (src.outlet) return src.outlet;
    if (src.title) return src.title;
    const href = safeURL(src.url);
    return href ? new URL(href).hostname.replace(/^www\./, '') : '';
  }

  // popupFor builds an event's detail: the one place popups are made.
  // After it is built, each function of geonews.popupExtras may add to it.
  function popupFor(f, note) {
    const p = f.properties || {};
    const box = el('div', { class: 'popup' });
    const sym = S.symbol(p.type);
    box.append(el('h3', {}, S.iconSVG(p.type, 18), ' ', el('span', { text: p.title || '(untitled event)' })));
    const rows = el('dl', {});
    const row = (k, ...v) => rows.append(el('dt', { text: k }), el('dd', {}, ...v));
    row('What', el('span', { text: sym.label + (p.sub_type && p.sub_type.toLowerCase() !== sym.label.toLowerCase() ? ' — ' + p.sub_type : '') }));
    if (p.time) row('When', el('time', { datetime: p.time, text: fmtDate(p.time, p.time_precision) }));
    const place = p.place && p.place.name;
    if (place) row('Where', el('span', { text: place + (p.place.precision ? ' (' + (PRECISION_WORDS[p.place.precision] || p.place.precision) + ')' : '') }));
    if (p.actor1 || p.actor2) row('Who', el('span', { text: [p.actor1 || 'someone', p.actor2 ? 'against ' + p.actor2 : ''].filter(Boolean).join(' ') }));
    // Sources: a merged event may carry several (properties.sources), else one.
    const sources = Array.isArray(p.sources) && p.sources.length ? p.sources : (p.source && (p.source.url || p.source.title) ? [p.source] : []);
    if (sources.length) {
      const list = el('ul', { class: 'sources' });
      for (const src of sources.slice(0, 10)) {
        const href = safeURL(src.url);
        const name = outletOf(src) || 'Source';
        list.append(el('li', {}, href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: name }) : el('span', { text: name })));
      }
      row(sources.length > 1 ? `Sources (${fmtCount(sources.length)})` : 'Source', list);
    }
    if (p.num_articles > 1) box.append(el('p', { class: 'hint merged', text: `Reported by ${p.num_sources} outlet${p.num_sources === 1 ? '' : 's'} in ${p.num_articles} articles (${(p.merge && p.merge.detail) || 'merged'}).` }));
    if (typeof p.confidence === 'number') row('Confidence', el('span', { text: Math.round(p.confidence * 100) + ' %' }));
    box.append(rows);
    if (p.excerpt) box.append(el('blockquote', { text: p.excerpt }));
    const why = p.why;
    if (why && (why.mention || why.place_reason)) {
      const m = why.mention && why.mention.text;
      const parts = [];
      if (m) parts.push(`The text names “${m}”` + (why.place_reason ? `: ${why.place_reason}.` : '.'));
      else if (why.place_reason) parts.push(why.place_reason + '.');
      if (why.trigger) parts.push(`What happened is read from “${why.trigger}”.`);
      if (why.date_reason) parts.push(`Date: ${why.date_reason}.`);
      box.append(el('details', { class: 'why' }, el('summary', { text: 'Why here' }), el('p', { text: parts.join(' ') })));
    }
    if (note) box.append(el('p', { class: 'hint', text: note }));
    for (const fn of extras) {
      try { fn(f, box); } catch (e) { status('A popup extension failed: ' + e.message, true); }
    }
    return box;
  }

  // ---- state in the URL ----------------------------------------------------

  // The hash holds the view and the filters: #map=Z/LAT/LON&hide=a,b&from=…&to=…
  // (hide: the types unticked in the legend; from, to: whole UTC days).
  const state = { z: 2, lat: 25, lon: 20, off: new Set(), from: '', to: '' };
  const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    const m = (h.get('map') || '').split('/').map(Number);
    if (m.length === 3 && m.every(Number.isFinite)) [state.z, state.lat, state.lon] = m;
    state.off = new Set((h.get('hide') || '').split(',').filter(Boolean));
    state.from = isDate(h.get('from')) ? h.get('from') : '';
    state.to = isDate(h.get('to')) ? h.get('to') : '';
  }
  function writeHash() {
    const c = map.getCenter();
    const h = new URLSearchParams();
    h.set('map', `${map.getZoom()}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
    if (state.off.size) h.set('hide', [...state.off].join(','));
    if (state.from) h.set('from', state.from);
    if (state.to) h.set('to', state.to);
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

  const clusters = L.markerClusterGroup({
    chunkedLoading: true, chunkInterval: 100, chunkDelay: 0, showCoverageOnHover: false, maxClusterRadius: 60,
    iconCreateFunction(cluster) {
      const counts = {};
      for (const m of cluster.getAllChildMarkers()) counts[m.options.evType] = (counts[m.options.evType] || 0) + 1;
      return clusterIcon(counts, cluster.getChildCount());
    },
  });
  clusters.addTo(map);
  const previewLayer = L.layerGroup().addTo(map);
  const pinLayer = L.layerGroup().addTo(map);
  const aggregates = L.layerGroup().addTo(map); // the server's clusters

  // ---- offline basemap -----------------------------------------------------

  // Natural Earth country outlines served by geonews, with a graticule,
  // country names and, closer in, the gazetteer's biggest places as labels,
  // so that no zoom shows a blank canvas.
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
  const labelLayer = L.layerGroup();
  const placeLabels = L.layerGroup();
  const graticule = L.layerGroup();
  let countryLabels = [];
  function showOutlines() {
    if (outlines) return;
    map.createPane('basemap').style.zIndex = 200;
    map.createPane('labels').style.zIndex = 390;
    map.getPane('labels').style.pointerEvents = 'none';
    outlines = L.geoJSON(null, {
      pane: 'basemap', interactive: false,
      style: { color: '#7d8a96', weight: 1, fillColor: '#fbfaf5', fillOpacity: 1 },
    }).addTo(map);
    graticule.addTo(map);
    labelLayer.addTo(map);
    placeLabels.addTo(map);
    loadOutlines().then((gj) => {
      outlines.addData(gj);
      countryLabels = gj.features.map(countryLabel).filter(Boolean);
      updateLabels();
    }).catch((e) => status('Basemap: ' + e.message, true));
    map.on('moveend', updateLabels);
    updateLabels();
  }
  // countryLabel places a country's name at the centre of its largest ring.
  function countryLabel(f) {
    const g = f.geometry;
    if (!g || !f.properties.name) return null;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    let best = null;
    let bestArea = 0;
    for (const p of polys) {
      const ring = p[0];
      let area = 0;
      let cx = 0;
      let cy = 0;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const a = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
        area += a;
        cx += (ring[j][0] + ring[i][0]) * a;
        cy += (ring[j][1] + ring[i][1]) * a;
      }
      if (Math.abs(area) > bestArea && area !== 0) {
        bestArea = Math.abs(area);
        const xs = ring.map((c) => c[0]);
        best = { lat: cy / (3 * area), lon: cx / (3 * area), span: Math.max(...xs) - Math.min(...xs) };
      }
    }
    if (!best) return null;
    return { ...best, marker: L.marker([best.lat, best.lon], { pane: 'labels', interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'map-label country', iconSize: null, html: el('span', { text: f.properties.name }) }) }) };
  }
  let placeCtl = null;
  function updateLabels() {
    const z = map.getZoom();
    // Country names where the country is wide enough on screen for them.
    const px = 256 * 2 ** z / 360;
    labelLayer.clearLayers();
    if (z <= 7) for (const c of countryLabels) if (c.span * px > 50 || z >= 5) labelLayer.addLayer(c.marker);
    drawGraticule(z);
    // Closer in, the biggest places of the gazetteer in view.
    placeLabels.clearLayers();
    if (placeCtl) placeCtl.abort();
    if (z < 6) return;
    placeCtl = new AbortController();
    const bbox = viewBBox();
    fetch('/collections/places/items?' + new URLSearchParams({ bbox: bbox.join(','), limit: 2000 }), { signal: placeCtl.signal, headers: { Accept: 'application/geo+json' } })
      .then((r) => (r.ok ? r.json() : { features: [] }))
      .then((data) => {
        const feats = (data.features || []).filter((f) => f.geometry && f.properties.feature_class === 'P').sort((a, b) => (b.properties.population || 0) - (a.properties.population || 0));
        const kept = [];
        for (const f of feats) {
          const [lon, lat] = f.geometry.coordinates;
          const pt = map.latLngToContainerPoint([lat, lon]);
          if (kept.some((k) => Math.abs(k.x - pt.x) < 90 && Math.abs(k.y - pt.y) < 24)) continue;
          kept.push(pt);
          placeLabels.addLayer(L.marker([lat, lon], { pane: 'labels', interactive: false, keyboard: false,
            icon: L.divIcon({ className: 'map-label place', iconSize: null, html: el('span', { text: f.properties.name }) }) }));
          if (kept.length >= 40) break;
        }
      })
      .catch(() => { /* labels are a nicety; the outlines stay */ });
  }
  // drawGraticule draws meridians and parallels in view, closer at higher zoom.
  function drawGraticule(z) {
    graticule.clearLayers();
    const steps = [30, 30, 20, 10, 10, 5, 2, 1, 1, 0.5, 0.2, 0.1, 0.05, 0.05, 0.02, 0.01, 0.005];
    const step = steps[Math.min(steps.length - 1, Math.max(0, Math.round(z)))];
    const b = map.getBounds();
    const w = Math.max(-180, Math.floor(b.getWest() / step) * step);
    const e = Math.min(180, b.getEast());
    const s = Math.max(-90, Math.floor(b.getSouth() / step) * step);
    const n = Math.min(90, b.getNorth());
    const style = { pane: 'basemap', interactive: false, color: '#9fb3c4', weight: 0.6, opacity: 0.7 };
    for (let x = w; x <= e && graticule.getLayers().length < 200; x += step) graticule.addLayer(L.polyline([[Math.max(-90, s), x], [n, x]], style));
    for (let y = s; y <= n && graticule.getLayers().length < 400; y += step) graticule.addLayer(L.polyline([[y, w], [y, e]], style));
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

  // ---- filters -------------------------------------------------------------

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

  // knownTypes are the ontology's types and any other the view has shown.
  const seenTypes = new Set(S.TYPES);
  // typeParam is the API's type filter for the ticked types: '' for all
  // (events without a type included), null when none is ticked.
  function typeParam() {
    if (!state.off.size) return '';
    const on = [...seenTypes].filter((t) => t && !state.off.has(t));
    return on.length ? on.join(',') : null;
  }
  // datetimeParam is the time window as whole UTC days (dates), which the
  // server's per-day aggregates count exactly.
  function datetimeParam() {
    if (!state.from && !state.to) return '';
    return (state.from || '..') + '/' + (state.to || '..');
  }
  function filterParams() {
    const p = new URLSearchParams();
    const ty = typeParam();
    if (ty) p.set('type', ty);
    const dt = datetimeParam();
    if (dt) p.set('datetime', dt);
    return p;
  }

  // ---- loading events ------------------------------------------------------

  // api finds which aggregates the server offers, from /api, so that no
  // request 404s on a server without them.
  const api = { clusters: false, timeline: false };
  const apiReady = fetch('/api', { headers: { Accept: 'application/vnd.oai.openapi+json, application/json' } })
    .then((r) => r.json()).then((doc) => {
      const paths = Object.keys(doc.paths || {});
      api.clusters = paths.some((p) => /^\/collections\/(events|\{[^}]+\})\/clusters$/.test(p));
      api.timeline = paths.includes('/collections/events/timeline');
    }).catch(() => {});

  async function getJSON(url, signal) {
    const res = await fetch(url, { signal, headers: { Accept: 'application/geo+json, application/json' } });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && data.description) || `HTTP ${res.status}`);
    return data;
  }

  let inflight = null;
  let timer = 0;
  let firstRender = true;
  function scheduleLoad(now) {
    clearTimeout(timer);
    timer = setTimeout(load, now ? 0 : DEBOUNCE_MS);
  }

  // current is what the page shows: the query it asked and what came back.
  // counts: events in view per type (ticked types), from the server's
  // clusters, or from the events themselves.
  const current = { bbox: null, query: '', features: [], numberMatched: null, capped: false, aggregated: false, counts: {}, countsKnown: false };

  async function load() {
    if (inflight) inflight.abort();
    const ctl = new AbortController();
    inflight = ctl;
    const bbox = viewBBox();
    const params = filterParams();
    params.set('bbox', bbox.join(','));
    const query = params.toString();
    writeHash();
    updateExports(params);
    loadTimeline(bbox);
    try {
      if (typeParam() === null) { // every type unticked
        clusters.clearLayers(); markerById.clear(); aggregates.clearLayers();
        Object.assign(current, { bbox, query, features: [], numberMatched: 0, capped: false, aggregated: false, counts: {}, countsKnown: true });
        showList([], null, 0);
        renderLegend();
        rendered('No type is ticked: tick one in the legend.');
        return;
      }
      await apiReady;
      let counts = null;
      let total = null;
      if (api.clusters) {
        const cp = new URLSearchParams(params);
        cp.set('zoom', map.getZoom());
        const data = await getJSON('/collections/events/clusters?' + cp.toString(), ctl.signal);
        if (ctl.signal.aborted) return;
        const feats = data.features || [];
        total = feats.reduce((sum, f) => sum + (Number(f.properties.count) || 0), 0);
        if (feats.every((f) => f.properties.types)) {
          counts = {};
          for (const f of feats) for (const [t, n] of Object.entries(f.properties.types)) counts[t] = (counts[t] || 0) + n;
        }
        if (total > CAP) {
          drawAggregates(feats);
          Object.assign(current, { bbox, query, features: [], numberMatched: total, capped: false, aggregated: true, counts: counts || {}, countsKnown: !!counts });
          renderLegend();
          loadList(params, total, ctl.signal);
          if (firstRender) performance.mark('geonews:loaded');
          rendered(`${fmtCount(total)} events in view, in clusters: zoom in for single events.`);
          return;
        }
      }
      if (ctl.signal.aborted) return;
      aggregates.clearLayers();
      status('Loading events…');
      const feats = [];
      let matched = null;
      params.set('limit', Math.min(PAGE, CAP));
      let url = '/collections/events/items?' + params.toString();
      while (url && feats.length < CAP) {
        const data = await getJSON(url, ctl.signal);
        if (matched === null && Number.isInteger(data.numberMatched)) matched = data.numberMatched;
        for (const f of data.features || []) feats.push(f);
        const next = (data.links || []).find((l) => l.rel === 'next');
        url = next ? next.href : null;
      }
      if (ctl.signal.aborted) return;
      if (!url) matched = feats.length;
      if (!counts && !url) {
        counts = {};
        for (const f of feats) counts[typeOf(f)] = (counts[typeOf(f)] || 0) + 1;
      }
      if (firstRender) performance.mark('geonews:loaded');
      Object.assign(current, { bbox, query, features: feats.slice(0, CAP), numberMatched: matched ?? total, capped: !!url, aggregated: false, counts: counts || {}, countsKnown: !!counts });
      render();
    } catch (e) {
      if (e.name === 'AbortError') return;
      status('Could not load events: ' + e.message, true);
    } finally {
      if (inflight === ctl) inflight = null;
    }
  }

  // drawAggregates draws the server's clusters: a donut of each one's type
  // mix; a click zooms in on it.
  function drawAggregates(feats) {
    clusters.clearLayers();
    markerById.clear();
    aggregates.clearLayers();
    for (const f of feats) {
      const n = Number(f.properties.count) || 0;
      const [lon, lat] = f.geometry.coordinates;
      const types = f.properties.types || { '': n };
      for (const t of Object.keys(types)) seenTypes.add(t);
      const m = L.marker([lat, lon], { icon: clusterIcon(types, n), title: `${n} events`, keyboard: true });
      m.on('click', () => map.setView([lat, lon], Math.min(map.getZoom() + 2, 16)));
      m.addTo(aggregates); // outside markercluster, which would cluster them again
    }
  }

  const markerById = new Map();
  // rendered reports a finished render: in the status line, and to tests
  // and scripts through window.geonewsShown, geonewsReady (the first
  // render, in ms since navigation start) and the geonews:render event.
  function rendered(text) {
    status(text);
    window.geonewsShown = { query: current.query, bbox: current.bbox, features: current.features.length, numberMatched: current.numberMatched, capped: current.capped, aggregated: !!current.aggregated, counts: { ...current.counts } };
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
      seenTypes.add(typeOf(f));
      const m = L.marker([c[1], c[0]], { icon: iconFor(typeOf(f)), evType: typeOf(f), title: p.title || '', alt: p.title || '', keyboard: true });
      m.feature = f;
      m.bindPopup(() => popupFor(f), { maxWidth: 340 });
      m.on('mouseover', () => highlightItem(f.id, true));
      m.on('mouseout', () => highlightItem(f.id, false));
      markerById.set(id, m);
      layers.push(m);
    }
    const done = () => {
      showList(current.features, null, current.numberMatched);
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

  // The list shows the newest events in view, LIST_PAGE at a time: from the
  // events drawn, or, when the map shows clusters, from the items API.
  const list = { feats: [], next: null, total: 0, shown: 0 };
  async function loadList(params, total, signal) {
    const p = new URLSearchParams(params);
    p.set('limit', LIST_PAGE);
    try {
      const data = await getJSON('/collections/events/items?' + p.toString(), signal);
      if (signal.aborted) return;
      const next = (data.links || []).find((l) => l.rel === 'next');
      showList(data.features || [], next ? next.href : null, total);
    } catch (e) {
      if (e.name !== 'AbortError') status('Could not load the list: ' + e.message, true);
    }
  }
  function showList(feats, next, total) {
    Object.assign(list, { feats: feats.slice(), next, total: total ?? feats.length, shown: 0 });
    $('list').replaceChildren();
    appendList();
  }
  async function moreList() {
    if (list.shown < list.feats.length) { appendList(); return; }
    if (!list.next) return;
    const url = list.next;
    list.next = null;
    try {
      const data = await getJSON(url);
      const next = (data.links || []).find((l) => l.rel === 'next');
      list.feats.push(...(data.features || []));
      list.next = next ? next.href : null;
      appendList();
    } catch (e) {
      status('Could not load more: ' + e.message, true);
    }
  }
  function appendList() {
    const ol = $('list');
    const frag = document.createDocumentFragment();
    const upto = Math.min(list.feats.length, list.shown + LIST_PAGE);
    for (const f of list.feats.slice(list.shown, upto)) frag.append(listItem(f));
    list.shown = upto;
    const focused = ol.contains(document.activeElement) && document.activeElement.closest('li') && document.activeElement.closest('li').dataset.id;
    ol.append(frag);
    if (focused) for (const li of ol.children) if (li.dataset.id === focused) li.querySelector('button').focus();
    const more = list.shown < list.feats.length || !!list.next;
    $('list-more').hidden = !more;
    $('list-count').textContent = `(${list.total > list.shown ? `newest ${fmtCount(list.shown)} of ${fmtCount(list.total)}` : fmtCount(list.shown)})`;
  }
  function listItem(f) {
    const p = f.properties || {};
    const meta = [p.time && fmtDate(p.time, p.time_precision), p.place && p.place.name, S.symbol(p.type).label].filter(Boolean).join(' · ');
    const b = el('button', { type: 'button' }, S.iconSVG(p.type, 16),
      el('span', { class: 't', text: p.title || '(untitled event)' }), el('span', { class: 'm', text: meta }));
    const li = el('li', { 'data-id': f.id }, b);
    b.addEventListener('mouseenter', () => highlightMarker(f.id, true));
    b.addEventListener('mouseleave', () => highlightMarker(f.id, false));
    b.addEventListener('focus', () => highlightMarker(f.id, true));
    b.addEventListener('blur', () => highlightMarker(f.id, false));
    b.addEventListener('click', () => showEvent(f));
    return li;
  }
  // PRECISION_ZOOM is how close a list click goes: to the event's place as
  // precise as it is known, never to 100 m of a country-wide event.
  const PRECISION_ZOOM = { point: 13, city: 11, region: 7, country: 5 };
  function showEvent(f) {
    const c = f.geometry && f.geometry.coordinates;
    if (!c) return;
    const p = f.properties || {};
    const z = PRECISION_ZOOM[p.place && p.place.precision] || 11;
    map.setView([c[1], c[0]], z);
    L.popup({ maxWidth: 340 }).setLatLng([c[1], c[0]]).setContent(popupFor(f)).openOn(map);
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

  // ---- exports -------------------------------------------------------------

  // updateExports points the download links at the items of the current
  // view and filters, in each format the API writes.
  function updateExports(params) {
    for (const [id, f] of [['export-geojson', 'json'], ['export-csv', 'csv'], ['export-kml', 'kml']]) {
      const p = new URLSearchParams(params);
      p.set('limit', 10000);
      p.set('f', f);
      $(id).href = '/collections/events/items?' + p.toString().replace(/%2C/g, ',');
    }
  }

  // ---- legend --------------------------------------------------------------

  // renderLegend lists every type with its symbol, a box to show or hide
  // it, and how many events of it the view holds: for ticked types those
  // the map shows (they add up to the events in view), for unticked ones
  // those the timeline counts in the time window.
  function renderLegend() {
    const windowCounts = timelineCounts();
    for (const t of Object.keys(windowCounts)) seenTypes.add(t);
    const types = [...seenTypes].sort((a, b) => S.order(a) - S.order(b) || a.localeCompare(b));
    const ul = $('legend');
    const frag = document.createDocumentFragment();
    const filtering = state.off.size > 0;
    // Should the server not know the clusters' types, the timeline's
    // counts stand in (exact for windows of whole buckets).
    const inView = current.countsKnown ? current.counts : windowCounts;
    for (const t of types) {
      const shown = !state.off.has(t) && !(t === '' && filtering);
      const n = (shown ? inView[t] : windowCounts[t]) || 0;
      if (t === '' && !n && !current.counts['']) continue;
      const id = 'type-' + (t || 'none').replace(/[^a-z0-9_-]/gi, '_');
      const cb = el('input', { type: 'checkbox', id, value: t });
      cb.checked = shown;
      if (t === '') cb.disabled = filtering; // no filter selects events without a type
      cb.addEventListener('change', () => {
        if (cb.checked) state.off.delete(t); else state.off.add(t);
        if (t === '') state.off.delete('');
        scheduleLoad(true);
      });
      frag.append(el('li', { class: shown ? '' : 'off', 'data-type': t }, el('label', { for: id, title: t === '' && filtering ? 'Shown only with every type ticked' : t }, cb,
        S.iconSVG(t, 16), el('span', { class: 'name', text: S.symbol(t).label }),
        el('span', { class: 'n', text: fmtCount(n) }))));
    }
    const focused = ul.contains(document.activeElement) && document.activeElement.id;
    ul.replaceChildren(frag);
    if (focused && $(focused)) $(focused).focus();
    const sum = current.countsKnown ? Object.values(current.counts).reduce((s, n) => s + n, 0) : current.numberMatched || 0;
    $('legend-total').textContent = fmtCount(sum);
  }
  $('types-all').addEventListener('click', () => { state.off.clear(); scheduleLoad(true); });

  // ---- timeline ------------------------------------------------------------

  // The timeline is a histogram of the events in view per day, week or
  // month (by the span of the collection), from the server's aggregates:
  // bars count the ticked types; dragging across it (brushing) sets the
  // time window to whole buckets, which filters the map and the list.
  const tl = { step: 'day', buckets: [], key: '', t0: 0, t1: 0, ctl: null, drag: null };
  let extent = null; // [start, end] ms of the events collection, when known
  const extentReady = fetch('/collections/events', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null)).catch(() => null)
    .then((ext) => {
      const iv = ext && ext.extent && ext.extent.temporal && ext.extent.temporal.interval && ext.extent.temporal.interval[0];
      if (iv && iv[0] && iv[1]) extent = [Date.parse(iv[0]), Date.parse(iv[1])];
    });
  const DAY = 86400000;
  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
  // bucketStart and bucketEnd bound the bucket holding ms: [start, end).
  function bucketStart(ms) {
    const d = new Date(ms);
    const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    if (tl.step === 'week') return day - ((d.getUTCDay() + 6) % 7) * DAY;
    if (tl.step === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return day;
  }
  function bucketEnd(start) {
    const d = new Date(start);
    if (tl.step === 'week') return start + 7 * DAY;
    if (tl.step === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    return start + DAY;
  }

  async function loadTimeline(bbox) {
    await Promise.all([apiReady, extentReady]);
    if (!api.timeline) { $('timeline-card').hidden = true; return; }
    if (extent) {
      const span = (extent[1] - extent[0]) / DAY;
      tl.step = span <= 400 ? 'day' : span <= 2200 ? 'week' : 'month';
    }
    const key = bbox.join(',') + '|' + tl.step;
    if (key === tl.key) { drawTimeline(); return; }
    if (tl.ctl) tl.ctl.abort();
    tl.ctl = new AbortController();
    try {
      const data = await getJSON('/collections/events/timeline?' + new URLSearchParams({ bbox: bbox.join(','), step: tl.step }).toString().replace(/%2C/g, ','), tl.ctl.signal);
      tl.key = key;
      tl.buckets = (data.buckets || []).map((b) => ({ ...b, t: Date.parse(b.start + 'T00:00:00Z') }));
      drawTimeline();
      renderLegend();
    } catch (e) {
      if (e.name !== 'AbortError') status('Could not load the timeline: ' + e.message, true);
    }
  }
  // timelineCounts sums the timeline's counts per type in the time window.
  function timelineCounts() {
    const lo = state.from ? Date.parse(state.from + 'T00:00:00Z') : -Infinity;
    const hi = state.to ? Date.parse(state.to + 'T00:00:00Z') + DAY : Infinity;
    const out = {};
    for (const b of tl.buckets) {
      if (b.t < lo || bucketEnd(b.t) > hi) continue;
      for (const [t, n] of Object.entries(b.types)) out[t] = (out[t] || 0) + n;
    }
    return out;
  }
  // shownCount is a bucket's count of the ticked types.
  function shownCount(b) {
    if (!state.off.size) return b.count;
    let n = 0;
    for (const [t, k] of Object.entries(b.types)) if (t && !state.off.has(t)) n += k;
    return n;
  }

  const NS = 'http://www.w3.org/2000/svg';
  const svgEl = (tag, attrs) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  };
  const TL_H = 64;
  function drawTimeline() {
    const box = $('timeline');
    const w = Math.max(100, box.clientWidth || 300);
    const t0 = bucketStart(extent ? extent[0] : tl.buckets.length ? tl.buckets[0].t : Date.now());
    const t1 = bucketEnd(bucketStart(extent ? extent[1] : tl.buckets.length ? tl.buckets[tl.buckets.length - 1].t : Date.now()));
    Object.assign(tl, { t0, t1, w });
    const x = (t) => ((t - t0) / (t1 - t0)) * w;
    const max = tl.buckets.reduce((m, b) => Math.max(m, shownCount(b)), 0) || 1;
    const root = svgEl('svg', { width: w, height: TL_H + 16, viewBox: `0 0 ${w} ${TL_H + 16}`, role: 'img', 'aria-label': `Events in view per ${tl.step}` });
    root.append(svgEl('rect', { x: 0, y: 0, width: w, height: TL_H, class: 'tl-bg' }));
    const lo = state.from ? Date.parse(state.from + 'T00:00:00Z') : null;
    const hi = state.to ? Date.parse(state.to + 'T00:00:00Z') + DAY : null;
    if (lo !== null || hi !== null) {
      const a = x(lo ?? t0);
      const b = x(hi ?? t1);
      root.append(svgEl('rect', { x: a, y: 0, width: Math.max(1, b - a), height: TL_H, class: 'tl-brush' }));
    }
    for (const b of tl.buckets) {
      const n = shownCount(b);
      if (!n) continue;
      const a = x(b.t);
      const h = Math.max(1, (Math.sqrt(n) / Math.sqrt(max)) * (TL_H - 4));
      const inWindow = (lo === null || b.t >= lo) && (hi === null || bucketEnd(b.t) <= hi);
      root.append(svgEl('rect', { x: a, y: TL_H - h, width: Math.max(1, x(bucketEnd(b.t)) - a - (w > 400 ? 0.5 : 0)), height: h, class: inWindow ? 'tl-bar' : 'tl-bar out' }));
    }
    // Year ticks.
    const y0 = new Date(t0).getUTCFullYear();
    const y1 = new Date(t1).getUTCFullYear();
    const every = Math.max(1, Math.ceil((y1 - y0 + 1) / Math.max(1, Math.floor(w / 45))));
    for (let y = y0; y <= y1; y++) {
      const t = Date.UTC(y, 0, 1);
      if (t < t0 || (y - y0) % every) continue;
      root.append(svgEl('line', { x1: x(t), x2: x(t), y1: TL_H, y2: TL_H + 4, class: 'tl-tick' }));
      const label = svgEl('text', { x: x(t) + 2, y: TL_H + 14, class: 'tl-label' });
      label.textContent = String(y);
      root.append(label);
    }
    box.replaceChildren(root);
    $('timeline-step').textContent = 'per ' + tl.step;
    updateWindowLabel();
  }
  function updateWindowLabel() {
    const label = !state.from && !state.to ? 'all time'
      : state.from && state.to && state.from === state.to ? fmtDay(state.from)
        : `${state.from ? fmtDay(state.from) : 'the start'} – ${state.to ? fmtDay(state.to) : 'now'}`;
    $('window-label').textContent = label;
    $('window-clear').hidden = !state.from && !state.to;
    $('from').value = state.from;
    $('to').value = state.to;
  }
  // setWindow sets the time window to whole days [from, to] (dates or '').
  function setWindow(from, to) {
    state.from = isDate(from) ? from : '';
    state.to = isDate(to) ? to : '';
    updateWindowLabel();
    drawTimeline();
    scheduleLoad(true);
  }
  // Brushing: a drag (or a click, one bucket) across the histogram.
  function timeAt(clientX) {
    const r = $('timeline').getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left) / (tl.w || r.width)));
    return Math.min(tl.t1 - 1, tl.t0 + f * (tl.t1 - tl.t0));
  }
  $('timeline').addEventListener('pointerdown', (ev) => {
    if (!tl.t1) return;
    ev.preventDefault();
    $('timeline').setPointerCapture(ev.pointerId);
    tl.drag = { a: timeAt(ev.clientX), b: timeAt(ev.clientX) };
  });
  $('timeline').addEventListener('pointermove', (ev) => {
    if (!tl.drag) return;
    tl.drag.b = timeAt(ev.clientX);
    const a = bucketStart(Math.min(tl.drag.a, tl.drag.b));
    const b = bucketEnd(bucketStart(Math.max(tl.drag.a, tl.drag.b)));
    state.from = isoDay(a);
    state.to = isoDay(b - DAY);
    drawTimeline();
  });
  $('timeline').addEventListener('pointerup', (ev) => {
    if (!tl.drag) return;
    tl.drag.b = timeAt(ev.clientX);
    const a = bucketStart(Math.min(tl.drag.a, tl.drag.b));
    const b = bucketEnd(bucketStart(Math.max(tl.drag.a, tl.drag.b)));
    tl.drag = null;
    setWindow(isoDay(a), isoDay(b - DAY));
  });
  $('window-clear').addEventListener('click', () => setWindow('', ''));
  for (const id of ['from', 'to']) {
    $(id).addEventListener('change', () => {
      const v = $(id).value;
      setWindow(id === 'from' ? v : state.from, id === 'to' ? v : state.to);
    });
  }
  window.addEventListener('resize', () => drawTimeline());
  // ---- place search --------------------------------------------------------

  function placeZoom(props) {
    const code = props.feature_code || '';
    if (code.startsWith('PCL')) return 5;
    if (code.startsWith('ADM1')) return 7;
    if (code.startsWith('ADM')) return 9;
    return 11;
  }
  // placeLabel names a place for people: its name, region and country, and
  // what it is in words ("regional capital"), not GeoNames' code ("PPLA").
  function placeLabel(p) {
    const what = p.kind || S.featureWords(p.feature_code, p.feature_class);
    return [p.name, p.admin1 && p.admin1 !== p.name ? p.admin1 : '', p.country, what].filter(Boolean).join(' · ');
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
      const items = [];
      for (const f of evs) {
        const c = f.geometry && f.geometry.coordinates;
        const p = f.properties || {};
        if (c) {
          const m = L.marker([c[1], c[0]], { icon: iconFor(p.type, 'preview'), title: p.title || '', keyboard: true });
          m.bindPopup(() => popupFor(f, 'Preview, not saved.'), { maxWidth: 340 });
          m.addTo(previewLayer);
          pts.push([c[1], c[0]]);
          f.previewMarker = m;
        }
        // the events found, as the list shows them: what, where, when
        const b = el('button', { type: 'button', class: 'link' }, S.iconSVG(p.type, 14), ' ', el('span', { text: p.title || '(untitled event)' }));
        b.addEventListener('click', () => {
          if (!c) return;
          map.setView([c[1], c[0]], PRECISION_ZOOM[p.place && p.place.precision] || 11);
          f.previewMarker.openPopup();
        });
        items.push(el('li', {}, b, el('span', { class: 'hint', text: ' ' + [S.symbol(p.type).label, p.place && p.place.name, p.time && fmtDate(p.time, p.time_precision)].filter(Boolean).join(' · ') })));
      }
      const unplaced = ms.filter((x) => !x.place).map((x) => x.text);
      if (unplaced.length) items.push(el('li', { class: 'hint', text: 'Not located: ' + [...new Set(unplaced)].slice(0, 10).join(', ') }));
      $('article-mentions').replaceChildren(...items);
      if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 9 });
      setMsg($('article-msg'), `${evs.length} event${evs.length === 1 ? '' : 's'} found (dashed on the map). Save to keep them.`);
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
      reload();
    } catch (e) {
      setMsg($('article-msg'), 'Not saved: ' + e.message, true);
    }
  });
  $('article-clear').addEventListener('click', () => { $('article-form').reset(); clearPreview(); setMsg($('article-msg'), ''); });


  // ---- start ---------------------------------------------------------------

  // reload refreshes what the map shows, the timeline included (after a write).
  // reload redraws every marker from the server: an event moved or
  // retyped (web/corrections.js) keeps its id, so a kept marker would not move.
  function reload() {
    tl.key = '';
    clusters.clearLayers(); markerById.clear(); aggregates.clearLayers();
    scheduleLoad(true);
  }
  map.on('moveend', () => scheduleLoad());
  // A link pasted or edited in the address bar moves the map and filters.
  window.addEventListener('hashchange', () => {
    readHash();
    updateWindowLabel();
    map.setView([state.lat, state.lon], state.z);
    scheduleLoad(true);
  });
  $('list-more').addEventListener('click', moreList);
  updateWindowLabel();
  updateTokenButton();
  scheduleLoad(true);
  fetch('config.json').then((r) => (r.ok ? r.json() : {})).catch(() => ({}))
    .then((cfg) => setupBasemap(cfg.tiles || ''));

  // For extensions (see the top of this file), tests and the curious.
  window.geonews = Object.assign(window.geonews || {}, {
    map, clusters, current, reload, popupFor, setWindow,
    popupExtras: extras,
    panels: $('panels'),
    // timeline gives a date's x on the screen and the histogram's middle y,
    // so that a test can brush it as a user does.
    timeline: {
      clientX(date) {
        const r = $('timeline').getBoundingClientRect();
        return r.left + ((Date.parse(date + 'T00:00:00Z') - tl.t0) / (tl.t1 - tl.t0)) * tl.w;
      },
      clientY() { const r = $('timeline').getBoundingClientRect(); return r.top + TL_H / 2; },
      step: () => tl.step,
      buckets: () => tl.buckets.length,
    },
    // shownCount sums the counts of the visible clusters and single markers.
    shownCount() {
      let n = 0;
      clusters._featureGroup.eachLayer((l) => { n += l.getChildCount ? l.getChildCount() : 1; });
      aggregates.eachLayer((l) => { n += Number((l.options.title || '').split(' ')[0]) || 0; });
      return n;
    },
  });
})();
