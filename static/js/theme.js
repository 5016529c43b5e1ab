// Colour scheme: follows the system setting unless the person picked Light or Dark (kept in
// this browser's localStorage). Loaded in <head>, before the page paints, so a dark page never
// flashes light first. The picker in the footer is shown only when this script runs.
(function () {
  "use strict";
  var KEY = "archreview-colour-scheme";
  var media = window.matchMedia("(prefers-color-scheme: dark)");

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : "auto";
    } catch (e) {
      return "auto"; // storage blocked: follow the system
    }
  }
  function apply(choice) {
    var dark = choice === "dark" || (choice === "auto" && media.matches);
    document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
  }

  apply(stored());
  media.addEventListener("change", function () { apply(stored()); });

  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.getElementById("colour-scheme");
    if (!picker) return;
    picker.value = stored();
    picker.closest("[data-colour-scheme]").hidden = false;
    picker.addEventListener("change", function () {
      try {
        if (picker.value === "auto") window.localStorage.removeItem(KEY);
        else window.localStorage.setItem(KEY, picker.value);
      } catch (e) { /* not kept; still applied to this page */ }
      apply(picker.value);
    });
  });
})();
