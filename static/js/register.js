// The register, enhanced: one composite widget (a grid with a roving tabindex: arrows
// move between pupils and codes, letter keys set codes, one Tab leaves it), code buttons,
// the arrival time of a late from the school's clock (sent by the server), what that
// clock decides said on the row, "mark all unmarked present" without a round trip, and a
// warning before unsaved changes are lost. Without this file the page is a plain form
// that works the same. On other pages it only takes the reader to the errors.
(function () {
  "use strict";

  var summary = document.getElementById("error-summary") || document.getElementById("conflict-summary");
  var form = document.getElementById("register-form");
  if (!form) {
    if (summary) summary.focus();
    return;
  }

  var present = form.dataset.present;
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr.pupil"));
  var countStatus = form.querySelector("[data-marked]");
  var announcer = document.getElementById("register-announce");
  var dirty = form.hasAttribute("data-unsaved");
  var loadedAt = Date.now();
  var current = { row: 0, col: 0 };

  function inputOf(row) { return row.querySelector("[data-code-input]"); }
  function panelOf(row) { return document.getElementById("more-" + row.dataset.pupil); }
  function toggleOf(row) { return row.querySelector("[data-more-toggle]"); }
  function stopsOf(row) {
    return Array.prototype.slice.call(row.querySelectorAll("[data-stop]")).filter(function (el) {
      return !el.closest("[hidden]");
    });
  }
  function reasonOf(row) { var p = panelOf(row); return p && p.querySelector("[data-reason]"); }
  function chosenReason(row) {
    var reason = reasonOf(row);
    var option = reason && reason.selectedOptions[0];
    return option && option.value ? option : null;
  }
  function optionFor(code) {
    return document.querySelector('#all-codes option[value="' + CSS.escape(code) + '"]');
  }
  function meaning(code) {
    var button = form.querySelector('[data-code="' + CSS.escape(code) + '"] .visually-hidden');
    if (button) return button.textContent;
    var option = optionFor(code);
    return option ? option.textContent.replace(/^.*? – /, "") : "";
  }
  function minutesOf(hhmm) {
    var m = /^(\d\d):(\d\d)/.exec(hhmm || "");
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The school's local time now: the server's at page load plus the time since.
  function schoolNow() {
    var start = minutesOf(form.dataset.now);
    if (start === null) return "";
    var m = (start + Math.floor((Date.now() - loadedAt) / 60000)) % (24 * 60);
    return pad(Math.floor(m / 60)) + ":" + pad(m % 60);
  }

  // What the school's clock makes of an arrival time, in words (the server decides the
  // same: registers.services.code_for_arrival).
  function clockSays(arrival) {
    var at = minutesOf(arrival);
    if (at === null) return null;
    var late = minutesOf(form.dataset.lateAfter), closes = minutesOf(form.dataset.closes);
    var when = "arrived " + arrival + " on " + form.dataset.day;
    if (at <= late) return { code: present, text: when + ", not after the late time " + form.dataset.lateAfter + ": present (" + present + ")" };
    if (at <= closes) return { code: "L", text: when + ", " + (at - late) + " minutes after the late time: L, late" };
    return { code: "U", text: when + ", after the register closed at " + form.dataset.closes + ": U, unauthorised" };
  }

  function stateClass(code) {
    var option = code && optionFor(code);
    if (!option) return "";
    if (code === "L") return "is-late";
    var category = option.dataset.category;
    if (category === "present" || category === "approved_activity") return "is-present";
    if (category === "unauthorised" || category === "authorised_other" ||
        category === "leave_of_absence") return "is-absent";
    return "is-other";
  }

  function refresh(row, initial) {
    var input = inputOf(row);
    if (!input) return;
    var code = input.value.trim().toUpperCase();
    var reason = chosenReason(row);
    if (reason && reason.dataset.code !== code && !initial) {
      reasonOf(row).value = "";
      reason = null;
    }
    row.querySelectorAll("[data-code]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.code === code ? "true" : "false");
    });
    row.classList.remove("is-present", "is-late", "is-absent", "is-other");
    var cls = stateClass(code);
    if (cls) row.classList.add(cls);
    var panel = panelOf(row);
    var arrival = panel && panel.querySelector("[data-arrival]");
    var said = arrival && (code === "L" || code === "U") ? clockSays(arrival.value) : null;
    var hint = panel && panel.querySelector("[data-clock]");
    if (hint && said) hint.textContent = said.text.charAt(0).toUpperCase() + said.text.slice(1);
    var state = row.querySelector("[data-state]");
    if (state && !initial) {
      var words = code ? code + " " + meaning(code) : "Not marked";
      if (code && reason) words += " · " + reason.dataset.name;
      if (said) words = said.text;
      state.textContent = words;
    }
    var amend = panel && panel.querySelector("[data-amend]");
    var saved = row.dataset.saved;
    if (amend && saved) {
      var hasError = row.classList.contains("pupil--error") || row.classList.contains("pupil--conflict");
      amend.hidden = !(code !== saved || hasError);
      if (!amend.hidden) openPanel(row, true);
    }
    return said;
  }

  function updateCount() {
    var marked = rows.filter(function (row) {
      var input = inputOf(row);
      return input ? input.value.trim() !== "" : true;
    }).length;
    if (countStatus) countStatus.textContent = String(marked);
  }

  function announce(text) { if (announcer) announcer.textContent = text; }

  function openPanel(row, open) {
    var panel = panelOf(row), toggle = toggleOf(row);
    if (!panel) return;
    panel.hidden = !open;
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function askArrival(row) {
    var panel = panelOf(row);
    var arrival = panel && panel.querySelector("[data-arrival]");
    if (!arrival) return;
    openPanel(row, true);
    if (!arrival.value) arrival.value = schoolNow();
    refresh(row);
    arrival.focus();
  }

  function setCode(row, code, opts) {
    var input = inputOf(row);
    if (!input || !optionFor(code)) return false;
    input.value = code;
    dirty = true;
    refresh(row);
    updateCount();
    if (!(opts && opts.quiet)) announce(row.dataset.name + ": " + code + " " + meaning(code));
    if (code === "L" && !(opts && opts.quiet)) askArrival(row);
    return true;
  }

  // ---- The roving tabindex ---------------------------------------------------------

  function focusCell(r, c, scroll) {
    if (!rows.length) return;
    r = Math.max(0, Math.min(rows.length - 1, r));
    var stops = stopsOf(rows[r]);
    if (!stops.length) return;
    c = Math.max(0, Math.min(stops.length - 1, c));
    rows.forEach(function (row) {
      row.classList.remove("is-current");
      stopsOf(row).forEach(function (el) { el.tabIndex = -1; });
    });
    current = { row: r, col: c };
    rows[r].classList.add("is-current");
    stops[c].tabIndex = 0;
    stops[c].focus();
    if (scroll !== false) rows[r].scrollIntoView({ block: "nearest" });
  }

  function codeForKey(key) {
    if (key === "/" || key === "\\") return present;
    if (key.length === 1 && /[a-z]/i.test(key)) return key.toUpperCase();
    return null;
  }

  // ---- Set up -------------------------------------------------------------------------

  form.querySelectorAll("[data-code-buttons], [data-more-toggle], [data-keys]").forEach(function (el) { el.hidden = false; });
  rows.forEach(function (row) {
    refresh(row, true);
    var panel = panelOf(row);
    if (panel && !panel.hasAttribute("data-keep-open")) openPanel(row, false);
  });
  rows.forEach(function (row) { stopsOf(row).forEach(function (el) { el.tabIndex = -1; }); });
  if (rows.length) {
    var first = stopsOf(rows[0])[0];
    if (first) first.tabIndex = 0;
  }

  form.addEventListener("click", function (event) {
    var row = event.target.closest("tr.pupil");
    if (!row) return;
    var toggle = event.target.closest("[data-more-toggle]");
    var button = event.target.closest("[data-code]");
    var stops = stopsOf(row);
    var hit = toggle || button || event.target.closest("[data-stop]");
    if (hit && stops.indexOf(hit) >= 0) focusCell(rows.indexOf(row), stops.indexOf(hit), false);
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      openPanel(row, open);
      if (open) {
        var field = panelOf(row).querySelector("select, input:not([type=hidden])");
        if (field) field.focus();
      }
    } else if (button) {
      setCode(row, button.dataset.code);
    }
  });

  form.addEventListener("change", function (event) {
    dirty = true;
    var panel = event.target.closest("[data-more]");
    var row = panel ? document.getElementById("pupil-" + panel.id.slice(5)) : event.target.closest("tr.pupil");
    if (!row) return;
    var conflict = event.target.closest("[data-conflict]");
    if (conflict && event.target.type === "radio") {
      var keep = event.target.value === "saved";
      setCode(row, keep ? row.dataset.saved : conflict.dataset.mine, { quiet: true });
      var why = conflict.querySelector("input[type=text]");
      if (!keep && why) why.focus();
      announce(keep ? "The saved mark is kept." : "Your mark will replace the saved one: say why you are changing it.");
      return;
    }
    if (event.target.matches("[data-code-input]")) {
      event.target.value = event.target.value.trim().toUpperCase();
      refresh(row);
      updateCount();
    } else if (event.target.matches("[data-reason]")) {
      var reason = chosenReason(row);
      if (!(reason && setCode(row, reason.dataset.code, { quiet: true }))) refresh(row);
    } else if (event.target.matches("[data-arrival]")) {
      var said = refresh(row);
      if (said) announce(row.dataset.name + " " + said.text);
    }
  });
  form.addEventListener("input", function () { dirty = true; });

  var allPresent = form.querySelector("[data-all-present]");
  if (allPresent) {
    allPresent.addEventListener("click", function (event) {
      event.preventDefault();
      var filled = 0;
      rows.forEach(function (row) {
        var input = inputOf(row);
        if (input && input.value === "" && setCode(row, present, { quiet: true })) filled++;
      });
      announce(filled + " unmarked pupil" + (filled === 1 ? "" : "s") +
               " marked present. Save the register to keep them.");
      // Back to the register, for the exceptions.
      focusCell(current.row, current.col);
    });
  }

  form.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var panel = event.target.closest("[data-more]");
    if (panel) {
      var owner = document.getElementById("pupil-" + panel.id.slice(5));
      var r = rows.indexOf(owner);
      // Enter in a field moves on instead of submitting half a register.
      if (event.key === "Enter" && event.target.tagName === "INPUT") {
        event.preventDefault();
        event.target.dispatchEvent(new Event("change", { bubbles: true }));
        if (!panel.hasAttribute("data-keep-open") && panel.querySelector("[data-amend]:not([hidden])") === null) openPanel(owner, false);
        focusCell(r + 1, current.col);
      } else if (event.key === "Escape") {
        openPanel(owner, panel.hasAttribute("data-keep-open"));
        focusCell(r, current.col);
      }
      return;
    }
    var row = event.target.closest("tr.pupil");
    if (!row) return;
    var index = rows.indexOf(row);
    var col = stopsOf(row).indexOf(event.target);
    if (col < 0) col = current.col;
    var typing = event.target.matches("[data-code-input]");
    switch (event.key) {
      case "ArrowDown": event.preventDefault(); focusCell(index + 1, col); return;
      case "ArrowUp": event.preventDefault(); focusCell(index - 1, col); return;
      case "PageDown": event.preventDefault(); focusCell(index + 10, col); return;
      case "PageUp": event.preventDefault(); focusCell(index - 10, col); return;
      case "ArrowRight": if (!typing) { event.preventDefault(); focusCell(index, col + 1); } return;
      case "ArrowLeft": if (!typing) { event.preventDefault(); focusCell(index, col - 1); } return;
      case "Home": if (!typing) { event.preventDefault(); focusCell(index, 0); } return;
      case "End": if (!typing) { event.preventDefault(); focusCell(index, 99); } return;
    }
    if (typing) {
      if (event.key === "Enter") {
        event.preventDefault();
        event.target.dispatchEvent(new Event("change", { bubbles: true }));
        focusCell(index + 1, col);
      }
      return;
    }
    if (event.key === " " || event.key === "Enter") return; // a button's own meaning
    var code = codeForKey(event.key);
    if (!code || !inputOf(row)) return;
    if (setCode(row, code)) {
      event.preventDefault();
      if (code !== "L") focusCell(index + 1, col);
    }
  });

  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  if (summary) summary.focus();
  else if (rows.length) focusCell(0, 0, false);
})();
