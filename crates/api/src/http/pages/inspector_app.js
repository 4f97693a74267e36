// OneVisit, the inspector's pages: findings and photos recorded at the gate are kept in
// IndexedDB, each with an idempotency key made here, and sent when the network is back
// (on the `online` event, on load and every few seconds). An item leaves the queue only
// when the server took it (2xx) or refused it for good (4xx, kept aside and shown);
// the server writes each key once, so sending again after a lost answer is safe.
(() => {
  'use strict';
  const CACHE = 'onevisit-inspector-v1';
  const outbox = document.getElementById('outbox');
  if (!outbox) return;
  const lang = outbox.dataset.lang === 'en' ? 'en' : 'zh';
  const WORDS = {
    zh: {
      pending: (n) => `${n} 项待发送`,
      none: '没有待发送的记录',
      offline: '网络不通：记录已保存在本机，联网后自动发送。',
      signin: '登录已过期，请重新登录；待发送的记录仍保存在本机，登录后自动发送。',
      signinLink: '重新登录',
      server: '服务器暂时无法处理，稍后自动重试。',
      failed: '未能保存（已从发送队列移出）：',
      remove: '删除',
      finding: '隐患',
      photos: (n) => `${n} 张照片`,
      photo: '照片',
      waiting: '待发送',
      waitFirst: '还有记录待发送：请等发送完成后再完成检查。',
    },
    en: {
      pending: (n) => `${n} waiting to be sent`,
      none: 'Nothing waiting to be sent',
      offline: 'No network: what you record is kept on this phone and sent once the network is back.',
      signin: 'Your session has expired; sign in again. What is waiting stays on this phone and is sent after you sign in.',
      signinLink: 'Sign in again',
      server: 'The server could not take it just now; it will be tried again.',
      failed: 'Not accepted (taken out of the queue): ',
      remove: 'Remove',
      finding: 'Finding',
      photos: (n) => `${n} photo(s)`,
      photo: 'Photo',
      waiting: 'waiting',
      waitFirst: 'Some records are still waiting: complete the visit once they are sent.',
    },
  };
  const t = WORDS[lang];
  const status = document.getElementById('outbox-status');
  const problemLine = document.getElementById('outbox-problem');
  const list = document.getElementById('outbox-items');

  // The queue: one store, findings and photos, by key.
  const DB = 'onevisit-inspector';
  const STORE = 'outbox';
  let opened = null;
  function openDb() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }
  async function all() {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const request = db.transaction(STORE).objectStore(STORE).getAll();
      request.onsuccess = () => resolve(request.result.sort((a, b) => a.created - b.created));
      request.onerror = () => reject(request.error);
    });
  }
  async function write(change) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const txn = db.transaction(STORE, 'readwrite');
      change(txn.objectStore(STORE));
      txn.oncomplete = () => resolve();
      txn.onerror = () => reject(txn.error);
      txn.onabort = () => reject(txn.error);
    });
  }

  function problem(text, signIn) {
    problemLine.textContent = text || '';
    problemLine.hidden = !text;
    if (signIn) {
      const link = document.createElement('a');
      const next = location.pathname + location.search;
      link.href = `/ui/login?lang=${lang}&expired=1&next=${encodeURIComponent(next)}`;
      link.id = 'sign-in-again';
      link.textContent = t.signinLink;
      problemLine.append(' ', link);
    }
  }

  // What the user counts as waiting: each finding (its photos with it), and each photo
  // whose finding has gone already.
  function waitingUnits(items) {
    const findings = new Set(items.filter((i) => i.kind === 'finding').map((i) => i.key));
    return items.filter((i) => i.state === 'waiting' && (i.kind === 'finding' || !findings.has(i.finding)));
  }

  // How many of this visit's records wait: the visit is completed only after them.
  let waitingHere = 0;
  async function render() {
    const items = await all();
    const units = waitingUnits(items);
    outbox.hidden = false;
    outbox.dataset.pending = String(units.length);
    status.textContent = units.length ? t.pending(units.length) : t.none;
    list.replaceChildren();
    for (const item of items) {
      if (item.kind === 'photo' && items.some((f) => f.key === item.finding)) continue;
      const li = document.createElement('li');
      li.dataset.state = item.state;
      if (item.kind === 'finding') {
        const photos = items.filter((p) => p.kind === 'photo' && p.finding === item.key).length;
        li.textContent = `${t.finding}: ${item.fields.title || ''} (${t.photos(photos)})`;
      } else {
        li.textContent = `${t.photo}: ${item.name}`;
      }
      if (item.state === 'failed') {
        li.append(document.createElement('br'), `${t.failed}${item.error || ''} `);
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = t.remove;
        remove.addEventListener('click', async () => {
          await write((s) => {
            s.delete(item.key);
            items.filter((p) => p.finding === item.key).forEach((p) => s.delete(p.key));
          });
          render();
        });
        li.append(remove);
      } else {
        li.append(` · ${t.waiting}`);
      }
      list.append(li);
    }
    const completeForm = document.getElementById('complete-form');
    waitingHere = completeForm ? units.filter((i) => i.visit === completeForm.dataset.visit).length : 0;
    const complete = document.getElementById('complete');
    if (complete) complete.disabled = waitingHere > 0;
    return units.length;
  }

  // One item to the server; false stops this round (offline, signed out, server trouble).
  let sent = 0;
  async function send(item, csrf) {
    const body = new FormData();
    body.append('lang', lang);
    let url;
    if (item.kind === 'finding') {
      for (const [name, value] of Object.entries(item.fields)) body.append(name, value);
      url = `/ui/inspector/visits/${item.visit}/findings`;
    } else {
      body.append('file', item.blob, item.name);
      url = `/ui/inspector/hazards/${item.hazard}/photos`;
    }
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { Accept: 'application/json', 'X-CSRF-Token': csrf, 'Idempotency-Key': item.key },
      });
    } catch (offline) {
      problem(t.offline);
      return false;
    }
    if (response.type === 'opaqueredirect' || response.status === 401) {
      problem(t.signin, true);
      return false;
    }
    let answer = {};
    try {
      answer = await response.json();
    } catch (notJson) {
      answer = {};
    }
    if (response.ok) {
      const items = await all();
      await write((s) => {
        s.delete(item.key);
        if (item.kind === 'finding') {
          for (const photo of items.filter((p) => p.kind === 'photo' && p.finding === item.key)) {
            photo.hazard = answer.hazard_id;
            photo.visit = item.visit;
            s.put(photo);
          }
        }
      });
      sent += 1;
      return true;
    }
    const definitive = response.status >= 400 && response.status < 500 && ![403, 408, 429].includes(response.status);
    if (definitive) {
      const reasons = [answer.message, ...(answer.errors || []).map((e) => `${e.label}: ${e.message}`)];
      const items = await all();
      await write((s) => {
        item.state = 'failed';
        item.error = reasons.filter(Boolean).join(' ');
        s.put(item);
        for (const photo of items.filter((p) => p.finding === item.key)) {
          photo.state = 'failed';
          s.put(photo);
        }
      });
      return true;
    }
    problem(answer.message || t.server);
    return false;
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    const before = sent;
    try {
      const waiting = (await all()).filter((i) => i.state === 'waiting');
      if (!waiting.length) return;
      let csrf;
      try {
        const r = await fetch('/ui/inspector/session', {
          credentials: 'same-origin',
          cache: 'no-store',
          redirect: 'manual',
          headers: { Accept: 'application/json' },
        });
        if (r.status === 401 || r.type === 'opaqueredirect') {
          problem(t.signin, true);
          return;
        }
        if (!r.ok) {
          problem(t.server);
          return;
        }
        csrf = (await r.json()).csrf;
      } catch (offline) {
        problem(t.offline);
        return;
      }
      problem(null);
      for (const finding of waiting.filter((i) => i.kind === 'finding')) {
        if (!(await send(finding, csrf))) return;
      }
      const photos = (await all()).filter((i) => i.kind === 'photo' && i.state === 'waiting' && i.hazard);
      for (const photo of photos) {
        if (!(await send(photo, csrf))) return;
      }
    } finally {
      flushing = false;
      const left = await render();
      // All sent: show the server's page (the findings as recorded), unless a new
      // finding is being typed.
      const form = document.getElementById('finding-form');
      const typing = form && form.elements.title && form.elements.title.value;
      if (sent > before && left === 0 && !typing) location.reload();
    }
  }

  const form = document.getElementById('finding-form');
  if (form) {
    const severity = form.elements.severity;
    const deadline = form.elements.deadline;
    // The policy's deadline follows the severity until the user sets another.
    const follow = () => {
      const policy = [deadline.dataset.general, deadline.dataset.major, ''];
      if (policy.includes(deadline.value)) deadline.value = deadline.dataset[severity.value] || deadline.value;
    };
    severity.addEventListener('change', follow);
    form.addEventListener('reset', () => setTimeout(follow, 0));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const fields = {};
      for (const [name, value] of new FormData(form).entries()) {
        if (typeof value === 'string' && name !== 'csrf' && name !== 'idempotency_key') fields[name] = value;
      }
      const finding = { key: crypto.randomUUID(), kind: 'finding', visit: form.dataset.visit, created: Date.now(), fields, state: 'waiting' };
      const files = Array.from(form.elements.photo.files || []);
      const photos = files.map((file, i) => ({
        key: crypto.randomUUID(),
        kind: 'photo',
        finding: finding.key,
        visit: finding.visit,
        hazard: null,
        created: finding.created + i + 1,
        blob: file,
        name: file.name || `photo-${i + 1}.jpg`,
        state: 'waiting',
      }));
      await write((s) => {
        s.put(finding);
        photos.forEach((p) => s.put(p));
      });
      form.reset();
      await render();
      flush();
    });
  }

  const completeForm = document.getElementById('complete-form');
  if (completeForm) {
    completeForm.addEventListener('submit', (event) => {
      if (waitingHere > 0) {
        event.preventDefault();
        problem(t.waitFirst);
      }
    });
  }

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/ui/inspector/sw.js', { scope: '/ui/inspector/' }).catch(() => {});
  }
  // Keep this page and the visits it links to for reading offline.
  if ('caches' in window && navigator.onLine) {
    const pages = [location.href, ...Array.from(document.querySelectorAll('a.visit-link')).map((a) => a.href)];
    caches.open(CACHE).then((cache) => Promise.all(pages.map((page) =>
      fetch(page, { credentials: 'same-origin', redirect: 'manual' })
        .then((r) => (r.ok && r.type === 'basic' ? cache.put(page, r) : null))
        .catch(() => null)))).catch(() => null);
  }

  window.addEventListener('online', flush);
  setInterval(flush, 5000);
  render().then(flush);
})();
