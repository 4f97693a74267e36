// OneVisit, the inspector's pages: the service worker that keeps them readable at the
// gate without a network. Network first, the kept copy when the network fails. Only GET
// navigations and the page script are handled: the page's own POSTs go past untouched
// (the page sends them itself, and queues them while offline).
'use strict';
const CACHE = 'onevisit-inspector-v1';
const SCRIPT = '/ui/inspector/app.js';
const SCOPE = '/ui/inspector/';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(SCRIPT)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  if (request.mode !== 'navigate' && url.pathname !== SCRIPT) return;
  event.respondWith(networkFirst(request));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A sign-in redirect or an error page is never kept in place of the page.
    if (response.ok && response.type === 'basic' && !response.redirected) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (offline) {
    const kept = await cache.match(request);
    if (kept) return kept;
    return new Response(
      '<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
        '<title>OneVisit</title><p id="offline">离线：此页尚未保存在本机。Offline: this page is not kept on this phone yet.</p>' +
        '<p><a href="/ui/inspector/">我的检查 · My visits</a></p></html>',
      { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } },
    );
  }
}
