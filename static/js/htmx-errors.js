// Failed htmx requests are shown, never silent. htmx swaps nothing for a 4xx/5xx answer or a
// network error, so without this a click that failed looks like a click that did nothing.
// An element can handle its own failures (the answer form shows "not confirmed - retry") by
// carrying data-htmx-errors="self". A 422 carries the form with its errors: it is swapped in.
(function () {
  "use strict";

  function advice(status) {
    if (status === 0) {
      return "The server could not be reached. Check your connection, then try again.";
    }
    if (status === 401 || status === 403) {
      return "You may have been signed out or lost access. Reload the page, sign in if asked, and try again.";
    }
    if (status === 404) {
      return "This was not found, or you no longer have access to it. Reload the page.";
    }
    if (status === 409 || status === 400) {
      return "The request was refused. Reload the page to see the current state, then try again.";
    }
    if (status === 429) {
      return "Too many requests. Wait a minute, then try again.";
    }
    if (status >= 500) {
      return "The server had a problem (error " + status + "). Nothing is lost on this page; try again in a moment, and tell your administrator if it keeps failing.";
    }
    return "The request failed (error " + status + "). Reload the page and try again.";
  }

  function region() {
    var box = document.getElementById("htmx-error");
    if (box) return box;
    box = document.createElement("div");
    box.id = "htmx-error";
    box.className = "alert alert-danger alert-dismissible fixed-bottom m-3 d-none";
    box.setAttribute("role", "alert");
    var text = document.createElement("span");
    text.className = "htmx-error-text";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", function () { box.classList.add("d-none"); });
    box.appendChild(text);
    box.appendChild(close);
    document.body.appendChild(box);
    return box;
  }

  // detail.elt: the element that made the request (the event itself may be re-targeted at the
  // body when a swap removed that element).
  function show(event, status) {
    var source = event.detail && event.detail.elt ? event.detail.elt : event.target;
    if (source && source.closest && source.closest('[data-htmx-errors="self"]')) return;
    var box = region();
    box.querySelector(".htmx-error-text").textContent = advice(status);
    box.classList.remove("d-none");
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    show(event, event.detail.xhr ? event.detail.xhr.status : 0);
  });
  document.addEventListener("htmx:sendError", function (event) { show(event, 0); });
  document.addEventListener("htmx:timeout", function (event) { show(event, 0); });
  // The message goes when dismissed, or once something the user did (not a background poll,
  // which has no triggering event) succeeds: a retry that worked.
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = document.getElementById("htmx-error");
    var config = event.detail.requestConfig;
    if (box && event.detail.successful && config && config.triggeringEvent) {
      box.classList.add("d-none");
    }
  });
})();
