/* Molnbedömning – the questionnaire's live behaviour: autosave of changed fields, live result panel,
   question visibility and outcomes. Without JavaScript the page works the same after each save. */
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  if (!form || form.dataset.editable !== "true") { return; }
  var url = form.dataset.autosaveUrl;
  var statusBox = document.getElementById("save-status");
  var conflictArea = document.getElementById("conflict-area");
  var timer = null;
  var inFlight = false;
  var pending = false;
  var stopped = false;  /* after a conflict: the user decides (reload, or save deliberately) */

  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  function clearErrors() {
    form.querySelectorAll(".js-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid='true'].js-invalid").forEach(function (el) {
      el.removeAttribute("aria-invalid"); el.classList.remove("js-invalid");
    });
  }

  function showErrors(errors) {
    var first = null;
    Object.keys(errors || {}).forEach(function (name) {
      var field = form.querySelector("[name='" + CSS.escape(name) + "']");
      if (!field) { return; }
      var p = document.createElement("p");
      p.className = "field__error js-error";
      p.id = (field.id || name) + "-js-error";
      p.textContent = [].concat(errors[name]).join(" ");
      var container = field.closest(".field, fieldset, .question") || field.parentNode;
      container.insertBefore(p, container.firstChild.nextSibling);
      field.setAttribute("aria-invalid", "true");
      field.classList.add("js-invalid");
      first = first || field;
    });
    return first;
  }

  function applyLive(data) {
    var panel = document.getElementById("result-panel");
    if (panel && data.panel_html) { panel.outerHTML = data.panel_html; }
    var nav = document.getElementById("step-nav");
    if (nav && data.nav_html) { nav.outerHTML = data.nav_html; }
    Object.keys(data.visible || {}).forEach(function (qid) {
      var el = document.getElementById("q-" + qid);
      if (el) { el.hidden = !data.visible[qid]; }
    });
    Object.keys(data.outcomes || {}).forEach(function (qid) {
      var el = document.getElementById("outcome-" + qid);
      if (el) { el.innerHTML = data.outcomes[qid]; }
    });
    if (data.version) { document.getElementById("base_version").value = data.version; }
    if (data.digest !== undefined) { document.getElementById("base_digest").value = data.digest; }
  }

  function save() {
    if (stopped) { return; }
    if (inFlight) { pending = true; return; }
    inFlight = true;
    say("Sparar …");
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
                                   function () { return { status: response.status, data: {} }; });
    }).then(function (result) {
      clearErrors();
      if (result.status === 200) {
        applyLive(result.data);
        var now = new Date();
        say(result.data.changed && result.data.changed.length
          ? "Sparat " + now.toLocaleTimeString("sv-SE", { hour: "2-digit", minute: "2-digit" })
          : "Sparat – inga ändringar");
      } else if (result.status === 409) {
        stopped = true;
        if (conflictArea) { conflictArea.innerHTML = result.data.conflict_html || ""; }
        var box = conflictArea && conflictArea.querySelector(".conflict");
        if (box) { box.focus(); }
        say("Inte sparat: någon annan har sparat bedömningen.");
      } else if (result.status === 400) {
        showErrors(result.data.errors);
        say("Inte sparat: rätta felen som markerats.");
      } else {
        say("Inte sparat (fel " + result.status + "). Dina svar finns kvar; tryck Spara för att försöka igen.");
      }
    }).catch(function () {
      say("Inte sparat: ingen kontakt med servern. Dina svar finns kvar; tryck Spara för att försöka igen.");
    }).finally(function () {
      inFlight = false;
      if (pending) { pending = false; schedule(300); }
    });
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, delay);
  }

  function syncUnknownDetails(target) {
    var question = target.closest(".question");
    if (!question) { return; }
    var unknown = (target.type === "radio" && target.checked && target.value === "unknown") ||
                  (target.classList.contains("unknown-toggle") && target.checked);
    if (unknown) {
      var details = question.querySelector("details.unknown-extra");
      if (details) { details.open = true; }
    }
  }

  form.addEventListener("change", function (event) {
    syncUnknownDetails(event.target);
    schedule(400);
  });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { schedule(1500); }
  });
  form.addEventListener("submit", function () { if (timer) { clearTimeout(timer); } });
})();
