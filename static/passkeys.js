// Passkeys: "Add a passkey" on /me and "Sign in with a passkey" on the landing page.
// An enhancement only (CSP: no inline script): without WebAuthn or JavaScript the buttons stay
// hidden and a short note says so; the rest of groupbox never needs this file.
//   <div data-passkey-register|data-passkey-signin data-msg-…>
//     <button data-passkey-button hidden>…</button> <p data-passkey-unsupported>…</p>
//     <p role="status" data-passkey-status hidden></p>
//   </div>

const API = "/api/auth/passkeys";

function supported() {
  const pkc = window.PublicKeyCredential;
  // WebAuthn refuses an IP address as the relying party: passkeys need the server's name.
  const ipHost = /^[\d.]+$/.test(location.hostname) || location.hostname.includes(":");
  return Boolean(window.isSecureContext && pkc && navigator.credentials && !ipHost
    && typeof pkc.parseCreationOptionsFromJSON === "function"
    && typeof pkc.parseRequestOptionsFromJSON === "function");
}

function csrfToken() {
  const entry = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return entry ? decodeURIComponent(entry.slice("csrftoken=".length)) : "";
}

async function postJSON(path, body) {
  const response = await fetch(API + path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json", "x-csrftoken": csrfToken() },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    // an empty or non-JSON answer: the status says enough
  }
  if (!response.ok) {
    const error = new Error(data.detail || "");
    error.fromServer = true;
    throw error;
  }
  return data;
}

function explain(box, error) {
  const msg = box.dataset;
  if (error && error.name === "NotAllowedError") return msg.msgCancelled;
  if (error && error.name === "AbortError") return msg.msgCancelled;
  if (error && error.name === "InvalidStateError" && msg.msgExists) return msg.msgExists;
  if (error && error.fromServer && error.message) return error.message;
  return msg.msgFailed;
}

async function register() {
  const options = await postJSON("/register/options", {});
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
  });
  const passkey = await postJSON("/register/verify", { credential: credential.toJSON() });
  location.assign(`/me/passkeys?added=${encodeURIComponent(passkey.id)}`);
}

async function signIn() {
  const options = await postJSON("/login/options", {});
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
  });
  const result = await postJSON("/login/verify", { credential: credential.toJSON() });
  location.assign(result.redirect || "/");
}

function wire(box, action) {
  const button = box.querySelector("[data-passkey-button]");
  const status = box.querySelector("[data-passkey-status]");
  if (!button || !supported()) return;
  box.querySelector("[data-passkey-unsupported]")?.setAttribute("hidden", "");
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.classList.remove("text-urgent");
    status.hidden = false;
    status.textContent = box.dataset.msgWorking || "";
    try {
      await action();
    } catch (error) {
      status.textContent = explain(box, error);
      // Cancelling is the person's choice, not a failure: no alarm colour for it.
      status.classList.toggle("text-urgent", !["NotAllowedError", "AbortError"].includes(error?.name));
      button.disabled = false;
    }
  });
}

document.querySelectorAll("[data-passkey-register]").forEach((box) => wire(box, register));
document.querySelectorAll("[data-passkey-signin]").forEach((box) => wire(box, signIn));
