// Small enhancements; every page works without this file.
// Keep the current tab in view when a group's tab bar scrolls sideways on a phone.
const current = document.querySelector(".tabs [aria-current='page']");
if (current) current.scrollIntoView({ block: "nearest", inline: "center" });

// Copy buttons: <button data-copy="#selector"> copies that field's value.
for (const button of document.querySelectorAll("[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const field = document.querySelector(button.dataset.copy);
    if (!field) return;
    try {
      await navigator.clipboard.writeText(field.value || field.textContent);
      button.dataset.done = "1";
      button.querySelector("span").textContent = button.dataset.copied || "Copied";
    } catch {
      field.select?.();
    }
  });
}
