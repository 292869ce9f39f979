// geonews Feeds panel: the feeds the server follows, each with its status,
// and (with the token) add, remove and poll now. It stands apart from
// app.js: it reads the token app.js keeps in localStorage and talks to
// /feeds (see the API at /api). Every text from the server is set with
// textContent, never as HTML.
(function () {
  'use strict';
  const TOKEN_KEY = 'geonews.token';
  const REFRESH_MS = 30000;
  const $ = (id) => document.getElementById(id);
  const panel = $('feeds-panel');
  const button = $('feeds-button');
  if (!panel || !button) return;
  const list = $('feeds-list');
  const msg = $('feeds-msg');
  let timer = 0;

  function say(text, bad) {
    msg.textContent = text || '';
    msg.classList.toggle('bad', !!bad);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ago says how long ago an RFC 3339 time was, in words.
  function ago(iso) {
    if (!iso) return 'never';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }

  // api sends a request, with the token for writes, and returns the parsed
  // JSON body (null for 204); an error carries the server's description.
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') {
      const token = localStorage.getItem(TOKEN_KEY) || '';
      if (!token) throw new Error('Enter the token under "Token" first: changing feeds needs it.');
      headers.Authorization = 'Bearer ' + token;
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 204) return null;
    let data = null;
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      if (res.status === 401 || res.status === 403) throw new Error(`The server refused the token (${res.status}); enter the one geonews serve printed under "Token".`);
      throw new Error((data && data.description) || `The server answered ${res.status}.`);
    }
    return data;
  }

  function statusLine(f) {
    const st = f.status || {};
    const parts = ['polled ' + ago(st.last_poll)];
    if (st.http_status) parts.push('HTTP ' + st.http_status);
    const n = (k, word) => k + ' ' + word + (k === 1 ? '' : 's');
    parts.push(n(st.items, 'item'), n(st.articles, 'article'), n(st.events, 'event'), st.skipped + ' skipped');
    return parts.join(' · ');
  }

  function render(feeds) {
    list.replaceChildren();
    $('feeds-count').textContent = feeds.length ? '(' + feeds.length + ')' : '';
    if (!feeds.length) {
      list.append(el('li', 'hint', 'No feed followed yet.'));
      return;
    }
    for (const f of feeds) {
      const li = el('li', 'feed');
      li.dataset.id = f.id;
      const head = el('div', 'feed-head');
      const a = el('a', 'feed-title', f.title || f.url);
      a.href = f.url;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      head.append(a, el('span', 'hint', ' every ' + f.interval));
      li.append(head, el('div', 'feed-status', statusLine(f)));
      const st = f.status || {};
      if (st.skipped && st.skip_reason) li.append(el('div', 'feed-skip hint', 'Last skipped: ' + st.skip_reason));
      if (st.last_error) li.append(el('div', 'feed-error', 'Error: ' + st.last_error));
      const row = el('div', 'row');
      const poll = el('button', 'feed-poll', 'Poll now');
      poll.type = 'button';
      poll.addEventListener('click', () => act(poll, 'Polling…', async () => {
        const got = await api('POST', '/feeds/' + f.id + '/poll');
        say(`Polled ${got.title || got.url}: ${statusLine(got)}.`, !!(got.status && got.status.last_error));
      }));
      const del = el('button', 'feed-remove', 'Remove');
      del.type = 'button';
      del.addEventListener('click', () => act(del, 'Removing…', async () => {
        await api('DELETE', '/feeds/' + f.id);
        say(`No longer following ${f.title || f.url}; what was read from it stays.`);
      }));
      row.append(poll, del);
      li.append(row);
      list.append(li);
    }
  }

  // act runs a write from a button, then reloads the list.
  async function act(btn, busy, fn) {
    const text = btn.textContent;
    btn.disabled = true;
    btn.textContent = busy;
    try {
      await fn();
    } catch (e) {
      say(e.message, true);
    } finally {
      btn.disabled = false;
      btn.textContent = text;
    }
    await load();
  }

  async function load() {
    try {
      const data = await api('GET', '/feeds');
      render(data.feeds || []);
      window.geonewsFeedsLoads = (window.geonewsFeedsLoads || 0) + 1;
    } catch (e) {
      say(e.message, true);
    }
  }

  function open(show) {
    panel.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
    clearInterval(timer);
    if (show) {
      load();
      timer = setInterval(load, REFRESH_MS);
    }
  }

  button.addEventListener('click', () => open(panel.hidden));
  $('feeds-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const body = { url: form.elements.url.value.trim() };
    if (form.elements.interval.value.trim()) body.interval = form.elements.interval.value.trim();
    if (form.elements.title.value.trim()) body.title = form.elements.title.value.trim();
    const submit = form.querySelector('button[type=submit]');
    await act(submit, 'Adding…', async () => {
      const f = await api('POST', '/feeds', body);
      form.reset();
      say(`Following ${f.title || f.url}; it is polled within a minute, or now with "Poll now".`);
    });
  });
})();
