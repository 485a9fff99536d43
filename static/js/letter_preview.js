/* The letter template's live preview in its admin change form (issue 14).
 *
 * The page provides (templates/admin/letters/lettertemplate/change_form.html):
 *
 * 1. The "Preview the letter" button, whose `formaction` is the preview endpoint:
 *      <input type="submit" formaction="/admin/letters/lettertemplate/preview/" data-letter-preview>
 *    Without JavaScript it posts the form to that endpoint in a new tab, as before.
 *
 * 2. A hidden section, which this script shows and fills with a status line and an iframe:
 *      <section id="letter-live-preview" hidden>...</section>
 *
 * After a pause in typing (DELAY ms), the form's current fields go to the endpoint (with the
 * CSRF token the form carries; not the logo file, the saved logo shows) and the returned page
 * is shown in the iframe through `srcdoc`. The iframe is sandboxed without `allow-scripts`: the
 * letter is shown, nothing in it runs. Only the latest answer is shown (earlier requests are
 * aborted).
 */
(function () {
  "use strict";

  const DELAY = 600;
  // Not sent with each keystroke's preview: the file (the saved logo shows instead).
  const NOT_SENT = ["logo", "logo-clear"];

  function start() {
    const box = document.getElementById("letter-live-preview");
    const button = document.querySelector("[data-letter-preview]");
    if (!box || !button || !button.form || !window.fetch) return;
    const form = button.form;
    const url = button.getAttribute("formaction");

    const status = document.createElement("p");
    status.setAttribute("role", "status");
    const frame = document.createElement("iframe");
    frame.title = "Live preview of the letter";
    // Same origin, so the page's stylesheets load; no scripts, forms, pop-ups or top navigation.
    frame.setAttribute("sandbox", "allow-same-origin");
    box.append(status, frame);
    box.hidden = false;

    let timer = null;
    let controller = null;

    async function refresh() {
      const data = new FormData(form);
      for (const name of NOT_SENT) data.delete(name);
      data.set("live", "1");
      if (controller) controller.abort();
      controller = new AbortController();
      status.textContent = "Updating the preview…";
      try {
        const response = await fetch(url, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          signal: controller.signal,
        });
        frame.srcdoc = await response.text();
        status.textContent = response.ok
          ? "Preview up to date."
          : `The preview could not be shown (error ${response.status}).`;
      } catch (error) {
        if (error.name !== "AbortError") {
          status.textContent = "The preview could not be updated; use the preview button.";
        }
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
