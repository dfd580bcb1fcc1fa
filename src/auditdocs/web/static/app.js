// auditdocs: the little the pages need a script for. Every page works without it (a link to refresh instead).
"use strict";
document.documentElement.classList.add("js");

// A job's page: ask how far it has got every half second, and show the result when it is done.
function followJob(box) {
  const bar = box.querySelector("progress");
  const text = box.querySelector("[role=status]");
  const ask = () => fetch(box.dataset.progress, {credentials: "same-origin", cache: "no-store"})
    .then((answer) => answer.json())
    .then((job) => {
      if (job.state !== "running") { window.location.reload(); return; }
      if (job.total) {
        bar.max = job.total; bar.value = job.done;
        text.textContent = job.done + " of " + job.total;
      }
      window.setTimeout(ask, 500);
    })
    .catch(() => window.setTimeout(ask, 2000));
  window.setTimeout(ask, 300);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress]").forEach(followJob);
});
