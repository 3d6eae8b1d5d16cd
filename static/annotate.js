// The annotate page's keyboard shortcuts and its claim's heartbeat (the review desk uses the
// shortcuts: its vote form is the "answer"). A file of its own (the CSP
// runs no inline script); the page's forms work without it.
(() => {
  "use strict";

  const answer = document.getElementById("answer");
  if (!answer) return;
  const skip = document.getElementById("skip");
  const lease = document.getElementById("lease");
  const heartbeat = document.getElementById("heartbeat");
  // Every 60 s: a lease lasts at least 30 s and by default ten minutes, so one lost beat of
  // the network does not lose the claim.
  const BEAT_MS = 60_000;

  for (const hint of document.querySelectorAll("#shortcuts, .shortcut-hint")) hint.hidden = false;

  const NOT_TYPING = new Set(["radio", "checkbox", "button", "submit", "reset"]);
  const typing = (element) =>
    element.isContentEditable ||
    element.tagName === "TEXTAREA" ||
    element.tagName === "SELECT" ||
    (element.tagName === "INPUT" && !NOT_TYPING.has(element.type));

  function openSkip() {
    if (!skip) return false;
    skip.open = true;
    skip.querySelector("textarea").focus();
    return true;
  }

  // The digit keys pick the n-th option of the answer's top-level choice.
  function pick(n) {
    const choice = answer.querySelector("[data-digit-keys]");
    if (!choice) return false;
    if (choice.tagName === "SELECT") {
      const options = [...choice.options].filter((option) => option.value);
      if (n > options.length) return false;
      choice.value = options[n - 1].value;
      choice.focus();
      return true;
    }
    const input = choice.querySelectorAll("input")[n - 1];
    if (!input) return false;
    input.checked = input.type === "radio" ? true : !input.checked;
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function submit(target) {
    // The form the cursor is in (the skip's reason, a reviewer's corrected value), the answer
    // otherwise; requestSubmit runs the browser's own checks (required fields, bounds) first.
    const form = (target.closest && target.closest("form")) || answer;
    form.requestSubmit();
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    let handled = false;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      handled = submit(event.target);
    } else if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyS") {
      handled = openSkip();
    } else if (plain && !typing(event.target)) {
      if (event.key === "s" || event.key === "S") handled = openSkip();
      else if (/^[1-9]$/.test(event.key)) handled = pick(Number(event.key));
    }
    if (handled) event.preventDefault();
  });

  if (!heartbeat || !lease) return;
  const clock = (iso) => new Date(iso).toISOString().slice(11, 19) + " UTC";
  let timer = null;
  async function beat() {
    let response;
    try {
      response = await fetch(heartbeat.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(heartbeat)),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      lease.textContent = "The claim could not be renewed (no connection); trying again in a minute.";
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok && body.submitted) {
      clearInterval(timer); // answered elsewhere (another tab): the seat is theirs for good
      lease.textContent = "Your answer to this item is in: its place is yours, nothing to renew.";
      return;
    }
    if (response.ok) {
      lease.textContent = `Claim renewed: it holds until ${clock(body.lease_expires_at)}.`;
      return;
    }
    clearInterval(timer);
    lease.textContent =
      `Your claim ended: ${body.message || `the server answered ${response.status}`}. ` +
      "Submitting still works while the item has room; what you typed stays in the form.";
  }
  timer = setInterval(beat, BEAT_MS);
})();
