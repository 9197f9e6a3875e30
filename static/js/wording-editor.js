/* The plain wording editor: paragraphs, bold, lists and the letter's fields, written into
   the form's own textarea as the small HTML the sandbox accepts. The textarea stays the
   field that is saved, and the server checks it as before (letters.sandbox): this editor
   only spares the attendance lead from typing tags. Wordings it cannot show faithfully
   (tables, headings) open in the HTML view, which is always one click away. */
(function () {
  "use strict";

  // A refused save: take the person to what went wrong (the summary at the top).
  var notSaved = document.getElementById("not-saved");
  if (notSaved) notSaved.focus();

  var root = document.querySelector("[data-wording-editor]");
  if (!root) return;
  var textarea = document.getElementById(root.getAttribute("data-textarea"));
  var surface = root.querySelector("[data-surface]");
  var htmlToggle = root.querySelector("[data-html-toggle]");
  var fieldList = root.querySelector("[data-field-list]");
  var note = root.querySelector("[data-note]");
  var form = textarea.form;

  // Elements the plain view keeps (as themselves or renamed); anything else is unwrapped.
  var KEEP = { P: "p", STRONG: "strong", B: "strong", EM: "em", I: "em", UL: "ul", OL: "ol", LI: "li", BR: "br", DIV: "p" };
  var CLASSES = { highlight: true, certificate: true };
  // What the plain view cannot show faithfully: stay in the HTML view.
  var HTML_ONLY = /<\s*(table|thead|tbody|tr|td|th|h[2-4]|hr|span|small|u)\b/i;

  function escapeText(text) {
    // Template tags keep their quotes: {{ date|date:"j F Y" }}.
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function serialise(node) {
    var out = "";
    node.childNodes.forEach(function (child) {
      if (child.nodeType === Node.TEXT_NODE) {
        out += escapeText(child.nodeValue.replace(/\u00a0/g, " "));
        return;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) return;
      var tag = KEEP[child.tagName];
      if (!tag) { out += serialise(child); return; }
      if (tag === "br") { out += "<br>"; return; }
      var cls = (child.getAttribute("class") || "").split(/\s+/).filter(function (c) { return CLASSES[c]; });
      var open = "<" + tag + (cls.length ? ' class="' + cls.join(" ") + '"' : "") + ">";
      var inner = serialise(child);
      if ((tag === "p" || tag === "li") && inner.replace(/<br>/g, "").trim() === "") return;
      out += open + inner + "</" + tag + ">";
      if (tag === "p" || tag === "ul" || tag === "ol") out += "\n";
    });
    return out;
  }

  function sync() {
    textarea.value = serialise(surface).trim();
  }

  function showPlain(plain) {
    root.classList.toggle("wording--html", !plain);
    surface.hidden = !plain;
    root.querySelector("[data-toolbar]").hidden = !plain;
    textarea.closest("[data-html-view]").hidden = plain;
    htmlToggle.setAttribute("aria-pressed", plain ? "false" : "true");
    htmlToggle.textContent = plain ? "Edit as HTML" : "Back to the plain editor";
    if (plain) {
      surface.innerHTML = textarea.value;
    }
  }

  function command(name, value) {
    surface.focus();
    document.execCommand(name, false, value || null);
    sync();
    surface.dispatchEvent(new Event("input", { bubbles: true }));
  }

  root.querySelectorAll("[data-command]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-command");
      if (name === "formatBlock") command(name, "p");
      else command(name);
    });
  });

  // A field goes where the writer last was: the heading or the wording.
  var heading = form.querySelector("#id_subject");
  var target = surface;
  heading.addEventListener("focus", function () { target = heading; });
  surface.addEventListener("focus", function () { target = surface; });

  root.querySelector("[data-insert]").addEventListener("click", function () {
    var snippet = fieldList.value;
    if (!snippet) { fieldList.focus(); return; }
    fieldList.value = "";
    if (target === heading) {
      var start = heading.selectionStart, end = heading.selectionEnd;
      heading.value = heading.value.slice(0, start) + snippet + heading.value.slice(end);
      heading.focus();
      heading.setSelectionRange(start + snippet.length, start + snippet.length);
      heading.dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    command("insertText", snippet);
  });

  surface.addEventListener("input", sync);
  surface.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "b") { e.preventDefault(); command("bold"); }
  });
  // Enter starts a new paragraph, never a bare <div>.
  document.execCommand("defaultParagraphSeparator", false, "p");

  htmlToggle.addEventListener("click", function () {
    var toPlain = root.classList.contains("wording--html");
    if (toPlain && HTML_ONLY.test(textarea.value)) {
      note.hidden = false;
      return;
    }
    note.hidden = true;
    showPlain(toPlain);
  });
  form.addEventListener("submit", function () {
    if (!root.classList.contains("wording--html")) sync();
  });

  var startPlain = !HTML_ONLY.test(textarea.value) && root.getAttribute("data-start") !== "html";
  note.hidden = startPlain || !HTML_ONLY.test(textarea.value);
  showPlain(startPlain);
})();
