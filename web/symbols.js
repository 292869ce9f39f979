// geonews map symbols: one fixed colour and icon per event type of the
// ontology (seeds/en/ontology.tsv), the same in every view and on every
// machine, and plain words for GeoNames feature codes. The icons are our
// own: white strokes on a 24×24 grid, drawn on the type's colour.
'use strict';

(() => {
  // [type, label, colour, icon path(s)] in the ontology's order. Colours
  // group kinds of happening: reds for violence, purples for protest,
  // blues and greens for politics, browns and ochres for disasters and crime.
  const TYPES = [
    ['armed_clash', 'Armed clash', '#c62828', 'M5 5l14 14M19 5L5 19M4 8l4-4M16 4l4 4'],
    ['airstrike_shelling', 'Air strike, shelling', '#ef6c00', 'M12 3v5M12 16v5M3 12h5M16 12h5M6 6l3 3M15 15l3 3M18 6l-3 3M9 15l-3 3'],
    ['bombing_explosion', 'Bombing, explosion', '#8e1b10', 'M11 10a5 5 0 1 0 .01 0M14 9l3-3M17 4v2M19 6h-2'],
    ['attack_killing', 'Attack on people', '#d81b60', 'M12 4a8 8 0 1 0 .01 0M12 2v6M12 16v6M2 12h6M16 12h6'],
    ['arrest_detention', 'Arrest, detention', '#6d4c41', 'M7 11V8a5 5 0 0 1 10 0v3M6 11h12v9H6z'],
    ['protest', 'Protest', '#7b1fa2', 'M4 10v4l10 4V6zM14 9h3a3 3 0 0 1 0 6h-3M7 15l1 5'],
    ['riot', 'Riot', '#ad1457', 'M12 3c4 5 6 7 6 11a6 6 0 0 1-12 0c0-3 2-4 3-7 1 2 2 3 3 3 0-2-1-4 0-7z'],
    ['talks_meeting', 'Talks, meeting', '#1565c0', 'M3 5h12v8H8l-3 3v-3H3zM17 9h4v8h-2v3l-3-3h-5v-2'],
    ['agreement', 'Agreement', '#2e7d32', 'M4 12l5 5L20 6'],
    ['election_vote', 'Election, vote', '#00838f', 'M4 11h16v9H4zM9 11l3-7 4 2-2 5M8 15h8'],
    ['court_legal', 'Court, legal', '#455a64', 'M12 4v16M6 20h12M4 7h16M6 7l-3 6h6zM18 7l-3 6h6z'],
    ['displacement_evacuation', 'Displacement, evacuation', '#f57f17', 'M4 12h13M12 6l6 6-6 6M20 4v16'],
    ['disaster_accident', 'Disaster, accident', '#9e7c00', 'M12 3l10 18H2zM12 10v5M12 18v.5'],
    ['crime', 'Crime', '#37474f', 'M3 9c3-2 6-2 9 0 3-2 6-2 9 0v2c-3 3-6 3-9 1-3 2-6 2-9-1z'],
    ['death', 'Death', '#212121', 'M12 3v18M6 8h12'],
    ['visit', 'Visit', '#3949ab', 'M2 13l20-7-6 14-4-5-5 3 1-5z'],
    ['ceremony', 'Ceremony', '#c49000', 'M12 3l2.6 6 6.4.5-4.9 4.2 1.5 6.3L12 16.6 6.4 20l1.5-6.3L3 9.5l6.4-.5z'],
    ['territory_change', 'Territory taken', '#558b2f', 'M6 21V3M6 4h11l-3 4 3 4H6'],
    ['other', 'Other', '#8d6e63', 'M12 9a3 3 0 1 0 .01 0'],
  ];
  // Events entered without a type, and types a user stored that the
  // ontology does not list: their own colours, never a shared grey.
  const NONE = { type: '', label: 'No type', colour: '#546e7a', icon: 'M12 6a6 6 0 1 0 .01 0' };
  const EXTRA = ['#00695c', '#4527a0', '#bf360c', '#283593', '#827717', '#4e342e', '#006064', '#880e4f'];

  const byType = new Map(TYPES.map(([type, label, colour, icon]) => [type, { type, label, colour, icon }]));
  byType.set('', NONE);

  // symbol returns {type, label, colour, icon} for any type: an unknown one
  // takes a colour from its name's hash, so it is stable across views.
  function symbol(type) {
    type = type || '';
    let s = byType.get(type);
    if (!s) {
      let h = 0;
      for (const c of type) h = (h * 31 + c.codePointAt(0)) >>> 0;
      s = { type, label: type.replace(/_/g, ' '), colour: EXTRA[h % EXTRA.length], icon: 'M8 8h8v8H8z' };
      byType.set(type, s);
    }
    return s;
  }

  const NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }
  // iconSVG draws a type's icon on a disc of its colour, size px wide.
  function iconSVG(type, size) {
    const s = symbol(type);
    const root = svg('svg', { viewBox: '0 0 24 24', width: size, height: size, class: 'sym', 'aria-hidden': 'true' });
    root.append(svg('circle', { cx: 12, cy: 12, r: 11.5, fill: s.colour }),
      svg('path', { d: s.icon, fill: 'none', stroke: '#fff', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }));
    return root;
  }

  // donutSVG draws the type mix of counts ({type: n}) as a ring of arcs,
  // size px wide; the hole holds the total, written by the caller.
  function donutSVG(counts, size) {
    const entries = Object.entries(counts).filter(([, n]) => n > 0).sort((a, b) => order(a[0]) - order(b[0]));
    const total = entries.reduce((s, [, n]) => s + n, 0);
    const root = svg('svg', { viewBox: '0 0 40 40', width: size, height: size, class: 'donut', 'aria-hidden': 'true' });
    root.append(svg('circle', { cx: 20, cy: 20, r: 19, fill: '#fff', 'fill-opacity': 0.92 }));
    const r = 15;
    const len = 2 * Math.PI * r;
    let at = 0;
    for (const [type, n] of entries) {
      const part = total ? (n / total) * len : 0;
      root.append(svg('circle', {
        cx: 20, cy: 20, r, fill: 'none', stroke: symbol(type).colour, 'stroke-width': 7,
        'stroke-dasharray': `${part} ${len - part}`, 'stroke-dashoffset': -at, transform: 'rotate(-90 20 20)',
      }));
      at += part;
    }
    if (!entries.length) root.append(svg('circle', { cx: 20, cy: 20, r, fill: 'none', stroke: NONE.colour, 'stroke-width': 7 }));
    return root;
  }

  // order sorts types as the ontology lists them, then the others by name.
  const index = new Map(TYPES.map(([t], i) => [t, i]));
  function order(type) {
    if (index.has(type)) return index.get(type);
    return type === '' ? TYPES.length + 1000 : TYPES.length;
  }

  // GeoNames feature codes in words (the common ones), else their class's.
  const CODES = {
    PPL: 'town or village', PPLA: 'regional capital', PPLA2: 'district capital', PPLA3: 'local capital', PPLA4: 'local capital',
    PPLC: 'national capital', PPLG: 'seat of government', PPLL: 'village', PPLX: 'neighbourhood', PPLS: 'villages',
    PPLF: 'farm village', PPLR: 'religious settlement', PPLQ: 'abandoned place', PPLW: 'destroyed place', PPLH: 'historical place',
    STLMT: 'settlement', PCLI: 'country', PCL: 'country', PCLD: 'dependent territory', PCLF: 'freely associated state',
    PCLS: 'semi-independent state', PCLIX: 'section of country', TERR: 'territory', ADM1: 'region, state or province',
    ADM2: 'district', ADM3: 'sub-district', ADM4: 'municipality', ADM5: 'ward', ADMD: 'administrative division',
    RGN: 'region', AREA: 'area', CMP: 'camp', CMPRF: 'refugee camp', AIRP: 'airport', AIRB: 'air base', AIRF: 'airfield',
    MILB: 'military base', PRT: 'port', BDG: 'bridge', DAM: 'dam', CSTL: 'castle', MSQE: 'mosque', CH: 'church',
    HSP: 'hospital', SCH: 'school', UNIV: 'university', RUIN: 'ruins', STM: 'river', LK: 'lake', MT: 'mountain',
    MTS: 'mountains', HLL: 'hill', VAL: 'valley', ISL: 'island', ISLS: 'islands', OAS: 'oasis', DSRT: 'desert',
    BCH: 'beach', CAPE: 'cape', GULF: 'gulf', BAY: 'bay', SEA: 'sea', OCN: 'ocean', PASS: 'pass', CONT: 'continent',
    RD: 'road', RR: 'railway', BLDG: 'building', HTL: 'hotel', MKT: 'market', OILF: 'oil field', PRK: 'park',
  };
  const CLASSES = { A: 'administrative area', P: 'populated place', H: 'water', T: 'terrain', L: 'area', S: 'site', R: 'road or railway', V: 'forest or heath', U: 'undersea' };
  function featureWords(code, cls) {
    return CODES[code] || CLASSES[cls] || (code ? 'place' : '');
  }

  window.geonewsSymbols = { TYPES: TYPES.map(([t]) => t), symbol, iconSVG, donutSVG, order, featureWords };
})();
