// Live updates (issue 17 item 5): an open thread shows new messages, home and the bell follow
// "Needs you" and the unread count, without reload. The pages stay server-rendered: on a
// `changed` event this fetches the page again and swaps the changed sections; if that fails it
// shows a "New messages — reload" link. Without JS nothing here runs and every page still works.
const thread = location.pathname.match(/^\/threads\/([^/]+)$/);
const url = thread ? `/live/thread/${thread[1]}` : "/live/me";
const swapIds = thread ? ["messages"] : ["needs"];

function reloadLink() {
  if (document.getElementById("live-reload")) return;
  const a = document.createElement("a");
  a.id = "live-reload"; a.href = location.href; a.className = "button";
  a.textContent = document.documentElement.lang === "de" ? "Neue Nachrichten – neu laden" : "New messages — reload";
  (document.getElementById(swapIds[0]) || document.querySelector("main")).prepend(a);
}

async function refresh() {
  try {
    const res = await fetch(location.href, { credentials: "same-origin", headers: { "X-Live": "1" } });
    if (!res.ok) throw new Error(res.status);
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    for (const id of swapIds) {
      const old = document.getElementById(id), fresh = doc.getElementById(id);
      if (old && fresh && !old.contains(document.activeElement)) old.replaceWith(fresh);
      else if (old && fresh) reloadLink();
    }
    const bell = document.querySelector(".bell"), freshBell = doc.querySelector(".bell");
    if (bell && freshBell) bell.replaceWith(freshBell);
  } catch (e) {
    reloadLink();
  }
}

if ("EventSource" in window) {
  const source = new EventSource(url);
  source.addEventListener("changed", refresh);
  addEventListener("pagehide", () => source.close());
}
