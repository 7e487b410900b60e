// The import review page works as a plain form; this only saves clicks and keeps the place:
// choosing a mapping saves at once (the server recomputes the total), and after any submit
// the page comes back scrolled to where the coordinator was.
(function () {
  "use strict";
  var KEY = "import-review-scroll:" + location.pathname;

  function ready() {
    var form = document.getElementById("import-review-form");
    if (!form) return;
    var saved = sessionStorage.getItem(KEY);
    if (saved !== null) {
      sessionStorage.removeItem(KEY);
      window.scrollTo(0, parseInt(saved, 10) || 0);
    }
    form.addEventListener("submit", function () {
      sessionStorage.setItem(KEY, String(window.scrollY));
    });
    form.querySelectorAll(".map-choice").forEach(function (input) {
      input.addEventListener("change", function () {
        var save = form.querySelector("button.default-submit");
        if (form.requestSubmit) form.requestSubmit(save);
        else save.click();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
