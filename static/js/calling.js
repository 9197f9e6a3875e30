// The calling list refreshes itself (htmx polls #calling-list every 30 s). An unchanged
// list answers 204 and nothing moves; when it did change, the new list replaces the old
// one and focus would fall to <body>: give it back to the element with the same id (every
// link on the list has one), else to the list's first heading, so keyboard and screen
// reader users keep their place. (CSP forbids inline script: this file is loaded by
// templates/absences/calling_list.html.)
(function () {
  "use strict";
  var focusedId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var list = document.getElementById("calling-list");
    var active = document.activeElement;
    focusedId = null;
    if (list && event.detail.target === list && active && list.contains(active)) {
      focusedId = active.id || "";
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (focusedId === null) return;
    var again = focusedId && document.getElementById(focusedId);
    if (!again) {
      again = document.getElementById("calling-heading");
      if (again) again.setAttribute("tabindex", "-1");
    }
    if (again) again.focus({ preventScroll: true });
    focusedId = null;
  });
})();
