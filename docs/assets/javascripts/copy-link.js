// Clicking a heading's permalink (the mark that appears beside a heading) still jumps to the
// section, and also copies the section's full URL so it can be pasted into an answer or an issue.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.headerlink");
  if (!link || !navigator.clipboard) return;
  const url = new URL(link.getAttribute("href"), window.location.href).href;
  navigator.clipboard.writeText(url).then(
    () => {
      link.setAttribute("data-copied", "");
      setTimeout(() => link.removeAttribute("data-copied"), 1500);
    },
    () => {} // no clipboard permission: the link still works as a plain permalink
  );
});
