// Questionnaire enhancements. Without JavaScript the form still saves with its Save buttons;
// the server enforces every rule these helpers make convenient.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) return;

  // "None of these" and the best practices exclude each other.
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-none]") && target.checked) {
      form.querySelectorAll("[data-practice]").forEach(function (box) { box.checked = false; });
    } else if (target.matches("[data-practice]") && target.checked) {
      var none = form.querySelector("[data-none]");
      if (none) none.checked = false;
    }
  }, true);

  // "Save mine over theirs": adopt the version the user was shown, then let the form submit.
  // Setting the hidden input (rather than relying on the button's name) survives htmx queueing
  // the submit behind an autosave whose response replaces the button.
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-replace-version]");
    if (!button) return;
    var version = document.getElementById("answer-version");
    if (version) version.value = button.dataset.replaceVersion;
    var status = document.getElementById("save-status");
    if (status) status.dataset.state = "replacing";
  }, true);

  // Typing in a text field autosaves a second after the last key (hx-trigger "archreview:typed
  // delay:1s"): an event of ours rather than a keyup filter, which htmx would have to eval.
  form.addEventListener("keyup", function (event) {
    if (event.target.matches("textarea, input[type=text]")) htmx.trigger(form, "archreview:typed");
  });

  // Live character counter for the question notes.
  var notes = document.getElementById("id_notes");
  var counter = document.querySelector("#notes-count [data-count]");
  if (notes && counter) {
    notes.addEventListener("input", function () { counter.textContent = notes.value.length; });
  }

  function setStatus(html, state) {
    var status = document.getElementById("save-status");
    if (!status) return;
    status.dataset.state = state;
    status.innerHTML = html;
  }

  form.addEventListener("htmx:beforeRequest", function () {
    var status = document.getElementById("save-status");
    if (status && status.dataset.state !== "conflict") {
      setStatus('<span class="small text-body-secondary">Saving…</span>', "saving");
    }
  });

  // No answer came back, so whether the save committed is unknown: say so, never "Not saved".
  // A retry is safe: a save of what is already stored answers "Saved" without a conflict.
  function failed(event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    var why = status >= 500 ? "The server had a problem (error " + status + ")."
      : status ? "The server refused the save (error " + status + "); reload the page if retrying does not help."
      : "The server could not be reached.";
    setStatus(
      '<span class="text-danger fw-semibold">Not confirmed — retry.</span> ' +
      '<span class="small">' + why + ' Your answer is still on this page.</span> ' +
      '<button type="submit" class="btn btn-sm btn-outline-danger ms-1">Retry</button>',
      "failed"
    );
  }
  form.addEventListener("htmx:sendError", failed);
  form.addEventListener("htmx:responseError", failed);
  form.addEventListener("htmx:timeout", failed);
})();
