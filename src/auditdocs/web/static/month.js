// The month page: while where every audit stands is being worked out, show it as soon as it is ready.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const waiting = document.querySelector("[data-reload]");
  if (waiting) window.setTimeout(() => window.location.reload(), Number(waiting.dataset.reload) || 2000);
});
