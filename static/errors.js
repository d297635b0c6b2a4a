// A form the server refused says why beside each field at fault. On a long page or a phone that
// field may be far below the top, so the reasons are also listed above the page's content, each
// a link that takes the reader to its field. Without scripts the reasons beside the fields remain.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const errors = Array.from(document.querySelectorAll("main .field-error"));
  const main = document.querySelector("main");
  if (errors.length === 0 || !main) {
    return;
  }
  const summary = document.createElement("nav");
  summary.className = "error-summary";
  summary.setAttribute("aria-label", main.dataset.errorHeading);
  const heading = document.createElement("p");
  heading.textContent = main.dataset.errorHeading;
  const list = document.createElement("ul");
  errors.forEach((error, index) => {
    error.id = error.id || "field-error-" + (index + 1);
    const label = error.closest("label, fieldset");
    const field = label && label.querySelector("input:not([type=hidden]), select, textarea");
    const name = label && (label.querySelector("legend") || label.firstChild);
    const link = document.createElement("a");
    link.href = "#" + error.id;
    const named = (name && name.textContent.trim()) || (field && field.getAttribute("aria-label"));
    link.textContent = (named ? named + ": " : "") + error.textContent.trim();
    link.addEventListener("click", (event) => {
      if (field) {
        event.preventDefault();
        field.scrollIntoView({ block: "center" });
        field.focus();
      }
    });
    const item = document.createElement("li");
    item.appendChild(link);
    list.appendChild(item);
  });
  summary.append(heading, list);
  main.prepend(summary);
});
