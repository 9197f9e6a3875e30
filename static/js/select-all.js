// A "select all" checkbox (id="select-all") ticks or clears every box named by its
// data-controls attribute (default: name="letter"). A file, not inline: the CSP allows
// no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  var name = all.dataset.controls || "letter";
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
});
