// The admin export's "select all" toggle: django-import-export binds it with an inline
// onchange attribute, which the Content-Security-Policy (script-src 'self') does not run.
document.querySelectorAll("input.select-toggle").forEach((toggle) => {
  toggle.addEventListener("change", (event) => window.onSelectToggleChange(event));
});
