// The certificate page's Print button: shown only when this script runs (the browser's own
// Print command works without it).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
