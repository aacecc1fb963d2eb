// Small enhancements; every page works without this file.
// Keep the current tab in view when a group's tab bar scrolls sideways on a phone.
const current = document.querySelector(".tabs [aria-current='page']");
if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
