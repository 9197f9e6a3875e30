// The register, enhanced: code buttons, keyboard marking, arrival time for lates,
// "mark all unmarked present" without a round trip, and a warning before unsaved
// changes are lost; a school's own reason sets its code. Without this file the page is a
// plain form that works the same. On other pages it only takes the reader to the errors.
(function () {
  "use strict";

  var summary = document.getElementById("error-summary") || document.getElementById("conflict-summary");
  var form = document.getElementById("register-form");
  if (!form) {
    if (summary) summary.focus();
    return;
  }

  var present = form.dataset.present;
  var rows = Array.prototype.slice.call(form.querySelectorAll(".pupil"));
  var countStatus = form.querySelector("[data-marked]");
  var announcer = document.getElementById("register-announce");
  // A page sent back with problems holds entries that are not saved yet.
  var dirty = form.hasAttribute("data-unsaved");

  function selectOf(row) { return row.querySelector("[data-code-select]"); }

  function reasonOf(row) { return row.querySelector("[data-reason]"); }

  function chosenReason(row) {
    var reason = reasonOf(row);
    var option = reason && reason.selectedOptions[0];
    return option && option.value ? option : null;
  }

  function optionFor(select, code) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === code) return select.options[i];
    }
    return null;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function nowHHMM() {
    var d = new Date();
    return pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function stateClass(option) {
    if (!option || !option.value) return "";
    if (option.value === "L") return "is-late";
    var category = option.dataset.category;
    if (category === "present" || category === "approved_activity") return "is-present";
    if (category === "unauthorised" || category === "authorised_other" ||
        category === "leave_of_absence") return "is-absent";
    return "is-other";
  }

  // Reflect the select's value in the buttons, the words, the colour and the reason fields.
  function refresh(row, initial) {
    var select = selectOf(row);
    if (!select) return;
    var code = select.value;
    var option = optionFor(select, code);
    var reason = chosenReason(row);
    // A school's reason belongs to its code: a new code lets go of it.
    if (reason && reason.dataset.code !== code && !initial) {
      reasonOf(row).value = "";
      reason = null;
    }
    row.querySelectorAll("[data-code]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.code === code ? "true" : "false");
    });
    row.classList.remove("is-present", "is-late", "is-absent", "is-other");
    var cls = stateClass(option);
    if (cls) row.classList.add(cls);
    var state = row.querySelector("[data-state]");
    // The server's words (with minutes late) stand until the person changes something.
    if (state && !initial) {
      var words = code ? code + " " + (option ? option.dataset.short : "") : "Not marked";
      if (code && reason) words += " · " + reason.dataset.name;
      state.textContent = words;
    }
    var amend = row.querySelector("[data-amend]");
    var saved = row.dataset.saved;
    if (amend && saved) {
      var changing = code !== saved;
      var hasError = row.classList.contains("pupil--error") || row.classList.contains("pupil--conflict");
      amend.hidden = !(changing || hasError);
    }
  }

  function updateCount() {
    var marked = rows.filter(function (row) {
      var select = selectOf(row);
      return select ? select.value !== "" : true;
    }).length;
    if (countStatus) countStatus.textContent = String(marked);
    return marked;
  }

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  function askArrival(row) {
    var more = row.querySelector("[data-more]");
    var arrival = row.querySelector("[data-arrival]");
    if (!more || !arrival) return;
    more.open = true;
    if (!arrival.value) arrival.value = nowHHMM();
    arrival.focus();
  }

  function setCode(row, code, opts) {
    var select = selectOf(row);
    if (!select || !optionFor(select, code)) return false;
    select.value = code;
    dirty = true;
    refresh(row);
    updateCount();
    if (code === "L" && !(opts && opts.quiet)) askArrival(row);
    return true;
  }

  function focusRow(index) {
    if (index < 0 || index >= rows.length) return;
    rows[index].focus();
    rows[index].scrollIntoView({ block: "nearest" });
  }

  function codeForKey(key) {
    if (key === " " || key === "/" || key === "\\") return present;
    if (key.length === 1 && /[a-z]/i.test(key)) return key.toUpperCase();
    return null;
  }

  // ---- Set up -------------------------------------------------------------------------

  form.querySelectorAll("[data-code-buttons]").forEach(function (group) { group.hidden = false; });
  var help = document.getElementById("register-help");
  if (help) help.hidden = false;
  rows.forEach(function (row) { refresh(row, true); });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-code]");
    if (!button) return;
    var row = button.closest(".pupil");
    setCode(row, button.dataset.code);
  });

  form.addEventListener("change", function (event) {
    dirty = true;
    var row = event.target.closest(".pupil");
    var conflict = event.target.closest("[data-conflict]");
    if (conflict && event.target.type === "radio") {
      // The choice shows on the line: the saved code, or the person's own with its reason.
      var keep = event.target.value === "saved";
      setCode(row, keep ? row.dataset.saved : conflict.dataset.mine, { quiet: true });
      var why = conflict.querySelector("input[type=text]");
      if (!keep && why) why.focus();
      announce(keep ? "The saved mark is kept." : "Your mark will replace the saved one: say why.");
      return;
    }
    if (event.target.matches("[data-code-select]")) {
      refresh(row);
      updateCount();
      if (event.target.value === "L") askArrival(row);
    } else if (event.target.matches("[data-reason]")) {
      // Choosing a reason sets its code; focus stays on the reason.
      var reason = chosenReason(row);
      if (!(reason && setCode(row, reason.dataset.code, { quiet: true }))) refresh(row);
    }
  });
  form.addEventListener("input", function () { dirty = true; });

  var allPresent = form.querySelector("[data-all-present]");
  if (allPresent) {
    allPresent.addEventListener("click", function (event) {
      event.preventDefault();
      var filled = 0;
      rows.forEach(function (row) {
        var select = selectOf(row);
        if (select && select.value === "" && setCode(row, present, { quiet: true })) filled++;
      });
      announce(filled + " unmarked pupil" + (filled === 1 ? "" : "s") +
               " marked present. Save the register to keep them.");
    });
  }

  form.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var row = event.target.closest(".pupil");
    if (!row) return;
    var index = rows.indexOf(row);
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      // Enter in a field moves on instead of submitting half a register.
      if (event.key === "Enter" && tag === "INPUT") {
        event.preventDefault();
        focusRow(index + 1);
      } else if (event.key === "Escape") {
        row.focus();
      }
      return;
    }
    if (event.key === "ArrowDown") { event.preventDefault(); focusRow(index + 1); return; }
    if (event.key === "ArrowUp") { event.preventDefault(); focusRow(index - 1); return; }
    if (event.key === "Home" && event.target === row) { event.preventDefault(); focusRow(0); return; }
    if (event.key === "End" && event.target === row) { event.preventDefault(); focusRow(rows.length - 1); return; }
    // Space and Enter keep their usual meaning on buttons and the late/note toggle.
    if ((tag === "BUTTON" || tag === "SUMMARY") && (event.key === " " || event.key === "Enter")) return;
    var code = codeForKey(event.key);
    if (!code || !selectOf(row)) return;
    if (setCode(row, code)) {
      event.preventDefault();
      if (code !== "L") focusRow(index + 1);
    }
  });

  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  if (summary) summary.focus();
})();
