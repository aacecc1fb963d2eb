// Copy-to-clipboard and print buttons, as an enhancement only (CSP: no inline script).
// Without JavaScript the text sits in a readonly field to select, and the browser's own
// Print command prints the sheet.
//   <textarea readonly data-copy-text data-copy-label="Copy" data-copied-label="Copied">…</textarea>
//   <button type="button" data-print hidden>Print</button>

function addCopyButton(field) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn--secondary";
  const label = field.dataset.copyLabel || "Copy";
  button.textContent = label;
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.className = "muted";
  const row = document.createElement("p");
  row.className = "cluster";
  row.append(button, status);
  field.closest(".field, p, div")?.after(row);
  button.addEventListener("click", async () => {
    field.focus();
    field.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      copied = document.execCommand && document.execCommand("copy");
    }
    status.textContent = copied ? (field.dataset.copiedLabel || "Copied") : "";
  });
}

document.querySelectorAll("[data-copy-text]").forEach(addCopyButton);
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
