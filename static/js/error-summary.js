// A page that refused what was sent shows a summary of what to put right (#error-summary,
// tabindex="-1"): focus goes there, so a screen reader reads it and Tab continues from it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement === document.body) summary.focus();
});
