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

// Live updates (ORD-9, ORD-18): the order list and the situation centre follow the shop's order
// events. The server streams events after the position the page was rendered at; the browser's
// EventSource reconnects by itself with Last-Event-ID, so nothing is missed.
(() => {
  const table = document.querySelector("table.orders[data-live]");
  const groups = document.querySelector(".groups[data-live-groups]");
  const root = table || groups;
  if (!root || !window.EventSource || !window.fetch) return;
  const after = table ? table.dataset.live : groups.dataset.liveGroups;
  const source = new EventSource("/admin/orders/live?after=" + encodeURIComponent(after));
  source.addEventListener("open", () => { root.dataset.liveState = "open"; });
  source.addEventListener("error", () => {
    // Closed for good when the answer was not a stream (the session ended: a login page).
    root.dataset.liveState = source.readyState === EventSource.CLOSED ? "closed" : "reconnecting";
  });
  const stop = () => { source.close(); root.dataset.liveState = "closed"; };
  // Too far behind to catch up event by event (the tab slept): show the current state instead.
  source.addEventListener("reset", () => { window.location.reload(); });
  if (table) {
    followList(table, source, stop);
  } else {
    followGroups(groups, source, stop);
  }
})();

function followList(table, source, stop) {
  const body = table.tBodies[0];
  const filters = table.dataset.filters || "";
  const firstPage = "firstPage" in table.dataset;
  const more = "more" in table.dataset;
  const counter = document.querySelector(".live-counter");
  // Orders waiting to be re-read, in arrival order; a creation stays a creation.
  const pending = new Map();
  let busy = false;
  let unseen = 0;

  source.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (_) {
      return;
    }
    // Notes do not show in the list.
    if (!event || !event.order_id || event.kind === "order.note_added") return;
    const known = pending.get(event.order_id);
    pending.set(event.order_id, known === "order.created" ? known : event.kind);
    if (!busy) drain();
  });

  async function drain() {
    busy = true;
    while (pending.size) {
      const [id, kind] = pending.entries().next().value;
      pending.delete(id);
      try {
        await refresh(id, kind);
      } catch (_) {
        // A failed request leaves the row as it was; the next event or a reload fixes it.
      }
    }
    busy = false;
  }

  async function refresh(id, kind) {
    const url = "/admin/orders/" + encodeURIComponent(id) + "/row" + (filters ? "?" + filters : "");
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (response.redirected) {
      stop(); // The session ended: the login page came back instead of a row.
      return;
    }
    const current = body.querySelector('tr[data-id="' + CSS.escape(id) + '"]');
    if (response.status === 204) {
      if (current) current.remove();
      return;
    }
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const row = template.content.querySelector("tr");
    if (!row) return;
    if (current) {
      current.replaceWith(row);
      flash(row, "live-changed");
      return;
    }
    if (!place(row)) return;
    flash(row, "live-new");
    const empty = document.querySelector("p.empty");
    if (empty) empty.hidden = true;
    if (kind === "order.created") countIfOutOfSight(row);
  }

  // Puts a row where the newest-first list has it; false when it belongs to another page.
  function place(row) {
    const created = Number(row.dataset.created);
    const rows = Array.from(body.rows);
    const next = rows.find((r) => Number(r.dataset.created) < created);
    if (next) {
      if (next === rows[0] && !firstPage) return false;
      body.insertBefore(row, next);
      return true;
    }
    if (more) return false;
    body.appendChild(row);
    return true;
  }

  function flash(row, name) {
    row.classList.add(name);
    setTimeout(() => row.classList.remove(name), 4000);
  }

  function countIfOutOfSight(row) {
    if (!counter || row.getBoundingClientRect().bottom > 0) return;
    unseen += 1;
    counter.textContent = unseen === 1 ? counter.dataset.one : unseen + " " + counter.dataset.many;
    counter.hidden = false;
  }

  function resetCounter() {
    unseen = 0;
    if (counter) counter.hidden = true;
  }

  if (counter) {
    counter.addEventListener("click", () => {
      window.scrollTo({ top: 0, behavior: "smooth" });
      resetCounter();
    });
  }
  window.addEventListener("scroll", () => {
    const first = body.rows[0];
    if (unseen && first && first.getBoundingClientRect().top >= 0) resetCounter();
  }, { passive: true });
}

function followGroups(groups, source, stop) {
  // At most one refresh a second, however many events arrive.
  let timer = null;
  let last = 0;
  let latest = 0;
  source.addEventListener("message", () => {
    if (timer) return;
    timer = setTimeout(refresh, Math.max(0, last + 1000 - Date.now()));
  });

  async function refresh() {
    timer = null;
    last = Date.now();
    const mine = ++latest;
    try {
      const response = await fetch("/admin/groups", { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.redirected) {
        stop();
        return;
      }
      const html = await response.text();
      if (response.ok && mine === latest) groups.innerHTML = html;
    } catch (_) {
      // The next event tries again.
    }
  }
}

// The manual order form's live totals (ORD-4): the server prices the form with the domain's
// own rules and sends the totals box back; nothing is computed here. Without this script the
// "Recalculate" button does the same with a full page.
(() => {
  const form = document.querySelector("form.manual-order[data-totals]");
  const box = document.querySelector("[data-totals-box]");
  if (!form || !box || !window.fetch) return;
  let timer = null;
  let latest = 0;
  const schedule = (event) => {
    if (event.target.name === "customer_q" || event.target.name === "product_q") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  };
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  async function refresh() {
    const mine = ++latest;
    const body = new URLSearchParams(new FormData(form));
    try {
      const response = await fetch(form.dataset.totals, {
        method: "POST", body, credentials: "same-origin", headers: { Accept: "text/html" },
      });
      if (!response.ok || response.redirected || mine !== latest) return;
      box.innerHTML = await response.text();
      box.querySelectorAll("[data-line-total]").forEach((item) => {
        const cell = form.querySelector('[data-line-total-of="' + item.dataset.lineTotal + '"]');
        if (cell) cell.textContent = item.textContent;
      });
      form.dataset.totalsState = "fresh";
    } catch (_) {
      // The next input tries again; "Recalculate" always works.
    }
  }
})();

// A file chosen for a form field that takes it as base64 (the shop's logo): read it in the
// browser, so the form stays an ordinary form with its CSRF token.
document.addEventListener("change", (event) => {
  const input = event.target;
  const into = input.dataset && input.dataset.base64Into;
  if (!into || !input.files || !input.files[0]) return;
  const field = input.form && input.form.elements[into];
  const reader = new FileReader();
  reader.onload = () => {
    const url = String(reader.result);
    if (field) field.value = url.slice(url.indexOf(",") + 1);
  };
  reader.readAsDataURL(input.files[0]);
});
