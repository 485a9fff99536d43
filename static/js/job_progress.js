/* A background job's progress page (templates/admin/councils/job/progress.html), updated in
 * place: every second the page's progress.json gives the status and the rows or letters done,
 * shown in the page's status line and <progress> bar. When the job is no longer waiting or
 * running, the page reloads once to show the result (and the retry button, if it failed).
 * Without JavaScript the page reloads itself instead (a <noscript> refresh).
 */
(function () {
  "use strict";

  const EVERY = 1000;
  const ACTIVE = ["queued", "running"];

  function start() {
    const page = document.querySelector("[data-job-progress]");
    if (!page || !window.fetch || !ACTIVE.includes(page.dataset.jobStatus)) return;
    const url = page.dataset.jobProgress;
    const bar = document.getElementById("job-progress");
    const field = (name) => page.querySelector(`[data-job-field="${name}"]`);

    function show(state) {
      field("status_text").textContent = state.status_text;
      const wrap = field("counted-wrap");
      wrap.textContent = state.counted ? `: ${state.counted}` : "";
      if (state.total) {
        bar.max = state.total;
        bar.value = state.done;
        bar.textContent = state.counted;
        bar.hidden = false;
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((state) => {
          show(state);
          if (state.active) {
            window.setTimeout(poll, EVERY);
          } else {
            window.location.reload();
          }
        })
        .catch(() => window.setTimeout(poll, EVERY * 5));
    }

    window.setTimeout(poll, EVERY);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
