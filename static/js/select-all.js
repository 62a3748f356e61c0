// A "select all on this page" box: ticks every checkbox named by its data-select-all.
document.querySelectorAll("input[data-select-all]").forEach((toggle) => {
  toggle.addEventListener("change", () => {
    const name = toggle.dataset.selectAll;
    document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
      box.checked = toggle.checked;
    });
  });
});
