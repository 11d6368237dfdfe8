// Tilaus admin: small progressive enhancements. Everything works without this file.
"use strict";

document.addEventListener("submit", (event) => {
  // Forms that need a second thought (cancelling an order) carry their question.
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("click", (event) => {
  // A click anywhere on an order row opens the order (the number stays the real link).
  if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey) return;
  if (event.target.closest("a, button, input, select, textarea")) return;
  const row = event.target.closest("table.orders tbody tr");
  const link = row && row.querySelector("td.num a");
  if (link && !window.getSelection().toString()) {
    window.location.href = link.href;
  }
});
