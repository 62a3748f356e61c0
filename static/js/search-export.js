// The household search: the export link carries the filters as they are in the form now.
document.getElementById("export-xlsx")?.addEventListener("click", (event) => {
  const form = document.querySelector("form[role=search]");
  if (form) {
    event.currentTarget.search = new URLSearchParams(new FormData(form)).toString();
  }
});
