// Anxin pages work as plain HTML forms; htmx (when installed) swaps fragments in place.
// Forms that change data carry the Idempotency-Key rendered with the page (hx-headers), so a
// double click or a retry acts once. The lines below add a key where a form has none (except
// forms marked data-no-key: searches and the full-ID view, whose answers must not be stored)
// and drive the progress bar of a file upload.
document.addEventListener("htmx:configRequest", (event) => {
  const source = event.detail.elt;
  if (source && source.closest && source.closest("[data-no-key]")) {
    delete event.detail.headers["Idempotency-Key"];
    return;
  }
  if (event.detail.verb !== "get" && !event.detail.headers["Idempotency-Key"]) {
    event.detail.headers["Idempotency-Key"] = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }
});
document.addEventListener("htmx:xhr:progress", (event) => {
  const bar = document.querySelector("progress[data-upload]");
  if (bar && event.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});
// Without htmx (not installed), a form marked data-submit-on-change is submitted as the plain GET
// it is when one of its fields changes; with htmx, its hx-trigger does the same in place.
document.addEventListener("change", (event) => {
  if (window.htmx) return;
  const form = event.target.closest && event.target.closest("form[data-submit-on-change]");
  if (form) form.submit();
});
