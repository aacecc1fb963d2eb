// Linking a device (/link): once the other device has approved the code, press Continue for
// the person. An enhancement only (CSP: no inline script): without JavaScript they press it.
//   <form data-pairing-complete data-status-url="/link/status" data-approved-text="…">
//     <p data-pairing-status role="status">…</p> … </form>

const POLL_MS = 2000;
const form = document.querySelector("[data-pairing-complete]");

async function currentState(url) {
  try {
    const response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" });
    return response.ok ? (await response.json()).state : null;
  } catch {
    return null; // offline for a moment: ask again
  }
}

async function poll() {
  const state = await currentState(form.dataset.statusUrl);
  if (state === "approved") {
    const status = form.querySelector("[data-pairing-status]");
    if (status) status.textContent = form.dataset.approvedText;
    form.requestSubmit();
    return;
  }
  if (state && state !== "waiting") {
    window.location.reload(); // used, stopped or expired: the page says which
    return;
  }
  setTimeout(poll, POLL_MS);
}

if (form) setTimeout(poll, POLL_MS);
