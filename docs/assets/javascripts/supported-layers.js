// The supported-layers page's filter box: typing part of a class name, or a status ("refused",
// "weightless"), keeps only the classes that match, in every group of both tables; a group left
// empty is hidden, and the folded weightless list opens when it holds a match. The page's address
// may name a filter (?filter=PReLU: the calculator links to a class that way).
//
// data-filtered on the box says which filter the page shows, so a test can wait for it.

function attach() {
  const box = document.querySelector(".pc-layer-filter");
  if (!box || box.dataset.attached) return;
  box.dataset.attached = "true";
  const input = box.querySelector("input");
  const count = box.querySelector(".pc-layer-filter-count");
  const groups = [...document.querySelectorAll(".pc-status-group")];
  // Each class once per table: its row (or list item), its name and its group's status.
  const items = groups.flatMap((group) =>
    [...group.querySelectorAll("tbody tr, li")].map((element) => ({
      element,
      group,
      name: element.querySelector("code").textContent.toLowerCase(),
      status: group.dataset.status,
    })));

  function apply() {
    const words = input.value.toLowerCase().split(/[\s,]+/).filter(Boolean);
    let shown = 0;
    for (const item of items) {
      const match = words.every((word) => item.name.includes(word) || item.status.includes(word));
      item.element.hidden = !match;
      shown += match;
    }
    for (const group of groups) {
      const any = items.some((item) => item.group === group && !item.element.hidden);
      group.hidden = !any;
      if (group.tagName === "DETAILS") group.open = words.length > 0 && any;
    }
    count.textContent = words.length
      ? `${shown} of ${items.length} rows match` + (shown ? "" : ": no Keras class by that name (a layer of your own is counted from a saved file's stored weights)")
      : "";
    box.dataset.filtered = input.value;
  }

  input.addEventListener("input", () => {
    apply();
    const url = new URL(location.href);
    if (input.value) url.searchParams.set("filter", input.value);
    else url.searchParams.delete("filter");
    history.replaceState(history.state, "", url.href);
  });
  input.value = new URL(location.href).searchParams.get("filter") ?? "";
  apply();
}

// Material's document$ announces every page, this one and each instant page change.
if (window.document$) window.document$.subscribe(attach);
else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attach, { once: true });
else attach();
