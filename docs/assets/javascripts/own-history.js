// Moving back or forward between two states of one page that the page itself pushed onto the
// history (the calculator's example links push one per case) is that page's business. Material's
// instant navigation would fetch the page again and swap in a fresh copy, throwing away what the
// reader may already be typing. Its popstate listener runs in the order listeners were added, so
// this one is added first, from <head>, before Material's bundle runs: a page script claims a move
// by setting window.pcOwnHistory to a function that handles it and returns true.
window.addEventListener("popstate", (event) => {
  if (window.pcOwnHistory?.(event)) event.stopImmediatePropagation();
});
