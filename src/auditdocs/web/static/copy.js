// auditdocs: "Copy" buttons beside a text to paste into an e-mail (returns, chase). Without the script the
// buttons stay hidden, and the text is selected and copied as any text is.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const source = document.getElementById(button.dataset.copy);
    const said = button.parentElement.querySelector(".copied");
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", () => {
      const text = "value" in source ? source.value : source.textContent;
      navigator.clipboard.writeText(text).then(
        () => { if (said) { said.textContent = "Copied: paste it into an e-mail."; } },
        () => {
          if (said) { said.textContent = "Could not copy: select the text and press Ctrl+C."; }
          if (source.select) { source.select(); }
        });
    });
  });
});
