// The office's pupil finder (templates/absences/office_reports.html): the arrow keys move
// from the search box through the results and back; Enter on a result opens it (a link).
// Without this file the finder still works: Tab reaches the results.
(function () {
  "use strict";
  function links() {
    return Array.prototype.slice.call(document.querySelectorAll("#pupil-results a"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var box = document.getElementById("pupil-q");
    if (!box) return;
    var items = links();
    var at = items.indexOf(document.activeElement);
    if (document.activeElement !== box && at < 0) return;
    if (!items.length) return;
    event.preventDefault();
    if (event.key === "ArrowDown") {
      (at < 0 ? items[0] : items[Math.min(at + 1, items.length - 1)]).focus();
    } else if (at <= 0) {
      box.focus();
    } else {
      items[at - 1].focus();
    }
  });
})();

// After a refused report (or the conflict question) focus goes to the summary of what to
// put right; with a pupil just chosen, to the contact who reported it, so the report is a
// few keys away: arrows for the contact, Tab through the fields, Enter to log it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    return;
  }
  var chosen = document.querySelector(".office-who input[type=radio]:checked");
  if (chosen) chosen.focus();
});
