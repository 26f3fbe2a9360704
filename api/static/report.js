// Progressive enhancement only: a "print" button on the report page (the browser's own
// print command works without it). No inline script: the CSP forbids it.
document.addEventListener("DOMContentLoaded", () => {
  const actions = document.querySelector(".report-actions[data-print-label]");
  const links = actions && actions.querySelector(".report-links");
  if (!links) return;
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.id = "report-print";
  button.textContent = actions.dataset.printLabel;
  button.addEventListener("click", () => window.print());
  item.append(button);
  links.prepend(item);
});
