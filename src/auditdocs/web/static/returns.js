// auditdocs, returns: files or a whole folder dropped onto the page go into the form's file input, and the
// form is sent, as if they had been chosen with it. Keyboard users (and browsers without the script) choose
// them with the inputs.
"use strict";

// Every file under a dropped entry (a file, or a folder read through).
function filesOf(entry) {
  if (entry.isFile) {
    return new Promise((resolve) => entry.file((file) => resolve([file]), () => resolve([])));
  }
  if (!entry.isDirectory) { return Promise.resolve([]); }
  const reader = entry.createReader();
  const all = [];
  const more = () => new Promise((resolve) => reader.readEntries(resolve, () => resolve([])))
    .then((entries) => {
      if (!entries.length) { return Promise.all(all).then((lists) => lists.flat()); }
      entries.forEach((child) => all.push(filesOf(child)));
      return more();
    });
  return more();
}

function dropped(event) {
  const items = Array.from(event.dataTransfer.items || []);
  const entries = items.map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
  if (!entries.length) { return Promise.resolve(Array.from(event.dataTransfer.files || [])); }
  return Promise.all(entries.map(filesOf)).then((lists) => lists.flat());
}

document.addEventListener("DOMContentLoaded", () => {
  const zone = document.getElementById("drop");
  if (!zone) { return; }
  const input = zone.querySelector("input[type=file][multiple]:not([webkitdirectory])");
  const said = zone.querySelector(".drop-said");
  zone.classList.add("can-drop");
  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    dropped(event).then((files) => {
      if (!files.length) { return; }
      const given = new DataTransfer();
      files.forEach((file) => given.items.add(file));
      input.files = given.files;
      zone.querySelectorAll("input[webkitdirectory]").forEach((other) => { other.value = ""; });
      if (said) { said.textContent = files.length + " file" + (files.length === 1 ? "" : "s") + " given: sending them."; }
      zone.requestSubmit();
    });
  });
});
