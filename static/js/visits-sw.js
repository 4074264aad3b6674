// The visits service worker (scope /visits/): pages and their files are fetched from the
// network first and kept, so the day page and a visit log already opened keep working when
// the connection drops. Visit logs sent offline are queued by visits.js, not here.
"use strict";

var CACHE = "crm-visits-v1";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/visits/") !== 0 && url.pathname.indexOf("/static/") !== 0) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      return hit || new Response("", { status: 503, statusText: "offline" });
    });
  }));
});

// The day page asks to keep the pages a field day needs (its stops' visit logs).
self.addEventListener("message", function (event) {
  var urls = event.data && event.data.keep;
  if (!urls || !urls.length) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (response.ok) return cache.put(url, response);
      }).catch(function () { /* offline already: keep what is there */ });
    }));
  }));
});
