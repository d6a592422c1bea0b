// Clicking a heading's permalink (the mark that appears beside a heading) still jumps to the
// section, and also copies the section's full URL so it can be pasted into an answer or an issue.
// Listened to while the click goes down (capture), before instant navigation handles the link.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.headerlink");
  if (!link || !navigator.clipboard) return;
  const url = new URL(link.getAttribute("href"), window.location.href).href;
  navigator.clipboard.writeText(url).then(
    () => showCopied(url),
    () => {} // no clipboard permission: the link still works as a plain permalink
  );
}, true);

// Instant navigation may swap the page's content in again after the click, so the mark goes on
// whichever permalink to that URL is on the page now, and again after a swap.
function showCopied(url) {
  const mark = () => {
    for (const link of document.querySelectorAll("a.headerlink")) {
      if (new URL(link.getAttribute("href"), window.location.href).href !== url) continue;
      link.setAttribute("data-copied", "");
      setTimeout(() => link.removeAttribute("data-copied"), 1500);
    }
  };
  if (!window.document$) return mark();
  const swaps = window.document$.subscribe(mark); // calls mark() at once, then on each swap
  setTimeout(() => swaps.unsubscribe(), 1500);
}
