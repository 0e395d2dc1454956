// Lifeboard service worker (scope /app/): the receiving end of "Share → Lifeboard".
// The manifest's share_target POSTs the shared files to /app/share. The API token lives in the
// page's storage, not in this request, so the files wait in Cache Storage and the page
// (opened by the redirect below) uploads them with the token.
"use strict";

const SHARE_CACHE = "lifeboard-share-inbox";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "POST" || url.pathname !== "/app/share") return;
  event.respondWith((async () => {
    const form = await event.request.formData();
    const cache = await caches.open(SHARE_CACHE);
    let count = 0;
    for (const file of form.getAll("file")) {
      if (!(file instanceof File)) continue;
      const key = `/app/share/inbox/${Date.now()}-${count}?name=${encodeURIComponent(file.name)}`;
      await cache.put(key, new Response(file, { headers: { "Content-Type": file.type } }));
      count += 1;
    }
    return Response.redirect(`/?shared=${count}`, 303);
  })());
});
