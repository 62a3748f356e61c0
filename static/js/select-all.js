// A "select all on this page" box: ticks every checkbox named by its data-select-all.
// The box's state is also applied when the script runs, so a tick made before the page
// finished loading (a fast hand, or a form the browser restored) is not lost.
document.querySelectorAll("input[data-select-all]").forEach((toggle) => {
  const apply = () => {
    const name = toggle.dataset.selectAll;
    document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
      box.checked = toggle.checked;
    });
  };
  toggle.addEventListener("change", apply);
  if (toggle.checked) apply();
});
