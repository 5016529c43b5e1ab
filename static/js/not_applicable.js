// "Does not apply" (a question or one best practice) asks for its reason before anything is
// saved: the reason list shows only while the box is ticked, and the autosave waits for a
// reason instead of reporting an error the person had no chance to avoid. Without JavaScript
// the lists are shown by the server when ticked, and Save reports a missing reason.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) return;

  function block(box) {
    return form.querySelector('[data-na-reason-for="' + box.id + '"]');
  }
  function reason(box) {
    var b = block(box);
    return b ? b.querySelector("select") : null;
  }
  function sync(box) {
    var b = block(box);
    if (b) b.hidden = !box.checked;
  }
  function label(box) {
    var l = form.querySelector('label[for="' + box.id + '"]');
    return l ? l.textContent.trim() : "This";
  }

  form.querySelectorAll("[data-na]").forEach(sync);

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-na]")) {
      sync(target);
      var select = reason(target);
      if (target.checked && select && !select.value) select.focus();
    }
    // "None of these" excludes practices marked not applicable (they count as followed).
    if (target.matches("[data-none]") && target.checked) {
      form.querySelectorAll("[data-na-practice]").forEach(function (box) {
        box.checked = false;
        sync(box);
      });
    } else if (target.matches("[data-na-practice]") && target.checked) {
      var none = form.querySelector("[data-none]");
      if (none) none.checked = false;
    }
  }, true);

  form.addEventListener("htmx:confirm", function (event) {
    var waiting = Array.prototype.filter.call(form.querySelectorAll("[data-na]"), function (box) {
      var select = reason(box);
      return box.checked && select && !select.value;
    });
    if (!waiting.length) return;
    event.preventDefault();
    var status = document.getElementById("save-status");
    if (!status) return;
    status.dataset.state = "waiting";
    status.textContent = "";
    var hint = document.createElement("span");
    hint.className = "small text-body-secondary";
    hint.textContent = "Not saved yet: pick a reason (" + label(waiting[0]) +
      ") and the answer saves.";
    status.appendChild(hint);
  });
})();
