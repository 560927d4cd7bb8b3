/* Molnbedömning – the questionnaire's live behaviour. Without JavaScript the page works the same after each save.
 *
 * No answer is ever lost or silently overwritten:
 *  - every edit is kept in the browser (localStorage) until the server has stored it, so a crash, a closed tab,
 *    an expired session or Back loses nothing; the page puts kept edits back when it opens again, but only on
 *    questions nobody has changed since (otherwise it shows them and lets the user choose);
 *  - each save sends the fingerprints of the answers as the page shows them; the server writes only what the user
 *    changed, and refuses (naming who) when someone changed the same question meanwhile;
 *  - the page takes a new version only when it shows every stored answer of its step, and resyncs when the
 *    browser restores it from its back/forward cache;
 *  - when the session has run out, the page asks the user to sign in again on the spot and then saves;
 *  - leaving the page with unsaved edits asks first.
 *
 * What it says comes from the page, in the reader's language (templates/assessments/_texts.html, the JSON block
 * #questionnaire-texts); the Swedish texts here are only the fallback when the block is missing. */
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  if (!form || form.dataset.editable !== "true") { return; }
  var url = form.dataset.autosaveUrl;
  var statusBox = document.getElementById("save-status");
  var conflictArea = document.getElementById("conflict-area");
  var staleArea = document.getElementById("stale-area");
  var restoreArea = document.getElementById("restore-area");
  var dialog = document.getElementById("relogin");
  var FIELD = /^q_([A-Z]-\d{2})(?:_[a-z]+)?$/;
  var storageKey = ["molnbedomning", "v1", document.body.dataset.userId || "?", form.dataset.assessmentId,
                    form.dataset.step].join(":");
  var timer = null;
  var inFlight = false;
  var pending = false;
  var stopped = false;  /* after a conflict: the user decides (reload, or keep their values) */
  var retries = 0;
  var dirty = {};       /* question id -> true while it has edits the server has not acknowledged */

  /* --- the texts it shows ----------------------------------------------------------------------------------- */
  var FALLBACK = {
    locale: "sv-SE",
    saving: "Sparar …",
    saved_at: "Sparat {time}",
    nothing_new: "Inget nytt att spara",
    conflict: "Inte sparat: samma fråga har ändrats av någon annan. Välj vad som ska gälla.",
    signed_out: "Inte sparat ännu: du behöver logga in igen. Dina ändringar finns kvar.",
    invalid: "Inte sparat: rätta felen som markerats.",
    reload_needed: "Inte sparat: sidan behöver laddas om.",
    failed: "Inte sparat (fel {status}). Dina ändringar finns kvar; tryck Spara för att försöka igen.",
    offline: "Inte sparat: ingen kontakt med servern. Dina ändringar finns kvar och sparas när kontakten är tillbaka.",
    other_user: "Du loggade in som en annan användare. Ladda om sidan: dina ändringar sparas inte i någon annans namn.",
    signed_in_again: "Inloggad igen. Sparar …",
    login_failed: "Inloggningen misslyckades. Försök igen.",
    login_offline: "Ingen kontakt med servern. Försök igen om en stund.",
    restored: "Osparade ändringar från förra gången är tillbaka. Sparar …",
    blocked_title: "Osparade ändringar som inte lades tillbaka",
    blocked_text: "Du har ändringar kvar från tidigare i de här frågorna, men någon har ändrat dem sedan dess. " +
      "Sidan visar det som är sparat nu. Dina värden:",
    use_mine: "Använd mina värden och spara",
    drop_mine: "Släng mina gamla ändringar"
  };
  var TEXTS = (function () {
    var block = document.getElementById("questionnaire-texts");
    if (!block) { return {}; }
    try { return JSON.parse(block.textContent) || {}; } catch (e) { return {}; }
  }());
  /* The text for key, with {name} filled in from values. */
  function t(key, values) {
    var text = typeof TEXTS[key] === "string" && TEXTS[key] ? TEXTS[key] : FALLBACK[key];
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  var lastSaved = 0;
  var lastSavedAt = "";  /* the time the last save that changed something was told (hh:mm) */
  var saying = false;  /* the status line says a save is on its way ("Sparar …", "Inloggad igen. Sparar …") */
  function say(text, onItsWay) {
    saying = Boolean(onItsWay);
    if (statusBox) { statusBox.textContent = text; }
  }
  function clock() { return new Date().toLocaleTimeString(t("locale"), { hour: "2-digit", minute: "2-digit" }); }

  /* --- the page's fingerprints ------------------------------------------------------------------------ */
  function digests() {
    var result = {};
    (document.getElementById("base_digest").value || "").split(";").forEach(function (part) {
      var i = part.indexOf(":");
      if (i > 0) { result[part.slice(0, i)] = part.slice(i + 1); }
    });
    return result;
  }
  function setDigests(map) {
    document.getElementById("base_digest").value = Object.keys(map).sort().map(function (q) {
      return q + ":" + map[q];
    }).join(";");
  }

  /* --- a question's fields ----------------------------------------------------------------------------- */
  function questionOf(name) { var m = FIELD.exec(name || ""); return m ? m[1] : null; }
  function fieldsOf(qid) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || questionOf(el.name) !== qid) { return; }
      if (el.type === "radio") { if (el.checked) { values[el.name] = el.value; } else if (!(el.name in values)) { values[el.name] = ""; } }
      else if (el.type === "checkbox") { values[el.name] = el.checked ? "y" : ""; }
      else { values[el.name] = el.value; }
    });
    return values;
  }
  function applyFields(values) {
    Object.keys(values).forEach(function (name) {
      form.querySelectorAll("[name='" + CSS.escape(name) + "']").forEach(function (el) {
        if (el.type === "radio") { el.checked = el.value === values[name]; }
        else if (el.type === "checkbox") { el.checked = values[name] === "y"; }
        else { el.value = values[name]; }
      });
    });
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  /* --- kept edits ----------------------------------------------------------------------------------------- */
  function kept() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "{}") || {}; } catch (e) { return {}; }
  }
  function keep(all) {
    try {
      if (Object.keys(all).length) { window.localStorage.setItem(storageKey, JSON.stringify(all)); }
      else { window.localStorage.removeItem(storageKey); }
    } catch (e) { /* storage full or disabled: the edits stay in the page */ }
  }
  function remember(qid) {
    var all = kept();
    var entry = all[qid] || { base: digests()[qid] || "" };
    entry.fields = fieldsOf(qid);
    entry.at = new Date().toISOString();
    all[qid] = entry;
    keep(all);
    dirty[qid] = true;
  }
  function forget(qid, sentFields) {
    var all = kept();
    if (!all[qid]) { delete dirty[qid]; return; }
    if (same(all[qid].fields, sentFields) && same(fieldsOf(qid), sentFields)) {
      delete all[qid];
      delete dirty[qid];
    } else {
      all[qid].base = digests()[qid] || "";  /* typed on while saving: the rest goes out with the next save */
    }
    keep(all);
  }
  function hasUnsaved() { return Object.keys(dirty).length > 0; }

  /* --- errors next to the fields ------------------------------------------------------------------------- */
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
    /* The compact verdict at the top (narrow screens) shows what the new panel shows, silently. */
    var barVerdict = document.querySelector("#verdict-bar [data-verdict-bar]");
    var panelVerdict = document.querySelector("#result-panel .panel__verdict");
    if (barVerdict && panelVerdict && barVerdict.innerHTML !== panelVerdict.innerHTML) {
      barVerdict.innerHTML = panelVerdict.innerHTML;
    }
    var nav = document.getElementById("step-nav");
    if (nav && data.nav_html) { nav.outerHTML = data.nav_html; }
    Object.keys(data.visible || {}).forEach(function (qid) {
      var el = document.getElementById("q-" + qid);
      if (el) { el.hidden = !data.visible[qid]; }
    });
    Object.keys(data.outcomes || {}).forEach(function (qid) {
      var el = document.getElementById("outcome-" + qid);
      if (el && el.innerHTML !== data.outcomes[qid]) { el.innerHTML = data.outcomes[qid]; }
    });
    if (data.version) { document.getElementById("base_version").value = data.version; }
    if (data.digest !== undefined) { document.getElementById("base_digest").value = data.digest; }
    if (staleArea) { staleArea.innerHTML = data.stale_html || ""; }
  }

  function setToken(token) {
    if (!token) { return; }
    document.querySelectorAll("input[name='csrf_token']").forEach(function (el) { el.value = token; });
  }

  /* --- saving ---------------------------------------------------------------------------------------------- */
  function save() {
    if (stopped) { return; }
    if (inFlight) { pending = true; return; }
    inFlight = true;
    var sent = {};
    Object.keys(dirty).forEach(function (qid) { sent[qid] = fieldsOf(qid); });
    /* A queued save with nothing of its own to send leaves the status as it is ("Sparat hh:mm"). */
    if (Object.keys(sent).length > 0) { say(t("saving"), true); }
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
                                   function () { return { status: response.status, data: {} }; });
    }).then(function (result) {
      var data = result.data || {};
      clearErrors();
      if (result.status === 200 && data.ok) {
        retries = 0;
        applyLive(data);
        Object.keys(sent).forEach(function (qid) { forget(qid, sent[qid]); });
        // One announcement (the status line is the page's only live region): saved, the verdict, the outcome
        // of each question just saved. The panel and the outcomes are replaced silently.
        // A save that finds nothing new right after one that saved (a queued autosave) leaves "Sparat hh:mm":
        // it is still true, and the announcement of what changed is not taken back.
        if (data.changed && data.changed.length) {
          lastSaved = Date.now();
          lastSavedAt = clock();
          say(t("saved_at", { time: lastSavedAt }) + (data.announce ? ". " + data.announce : ""));
        } else if (Date.now() - lastSaved > 5000) {
          say(t("nothing_new"));
        } else if (saying) {
          /* Right after a save, a save that changed nothing (typed and taken back) says the answers are saved:
             "Sparar …" must never stay on screen once the server has answered. */
          say(t("saved_at", { time: lastSavedAt }));
        }
      } else if (result.status === 409 && data.reason === "conflict") {
        stopped = true;
        if (conflictArea) { conflictArea.innerHTML = data.conflict_html || ""; }
        var box = conflictArea && conflictArea.querySelector(".conflict");
        var keepMine = box && box.querySelector("[data-keep-mine]");
        if (keepMine) {
          keepMine.addEventListener("click", function () {
            var map = digests();
            Object.keys(data.conflicts || {}).forEach(function (qid) { map[qid] = data.conflicts[qid]; });
            setDigests(map);
            conflictArea.innerHTML = "";
            stopped = false;
            save();
          });
        }
        if (box) { box.focus(); }
        say(t("conflict"));
      } else if ((result.status === 401 && data.reason === "signed_out")) {
        setToken(data.csrf_token);
        say(t("signed_out"));
        askToSignIn();
      } else if (result.status === 400 && data.reason === "csrf" && retries < 2) {
        retries += 1;
        setToken(data.csrf_token);
        pending = true;
      } else if (result.status === 409 && data.reason === "raced" && retries < 5) {
        retries += 1;
        pending = true;
      } else if (result.status === 400 && data.reason === "invalid") {
        var first = showErrors(data.errors);
        say(first ? t("invalid") : t("reload_needed"));
      } else {
        say(t("failed", { status: result.status }));
      }
    }).catch(function () {
      say(t("offline"));
      retries += 1;
      setTimeout(function () { if (hasUnsaved()) { schedule(0); } }, Math.min(30000, 2000 * retries));
    }).finally(function () {
      inFlight = false;
      if (pending) { pending = false; schedule(300); }
    });
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, delay);
  }

  /* --- signing in again without leaving the page ------------------------------------------------------------ */
  function askToSignIn() {
    if (!dialog || dialog.open) { return; }
    var message = dialog.querySelector("[data-message]");
    if (message) { message.textContent = ""; }
    if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    var user = dialog.querySelector("input[name='username']");
    if (user) { user.focus(); }
  }
  if (dialog) {
    var loginForm = dialog.querySelector("form");
    loginForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = dialog.querySelector("[data-message]");
      var body = new FormData(loginForm);
      body.set("csrf_token", form.querySelector("input[name='csrf_token']").value);
      fetch(loginForm.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
      }).then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; },
                                     function () { return { status: response.status, data: {} }; });
      }).then(function (result) {
        var data = result.data || {};
        if (result.status === 200 && data.ok) {
          if (String(data.user_id) !== String(document.body.dataset.userId)) {
            message.textContent = t("other_user");
            stopped = true;
            return;
          }
          setToken(data.csrf_token);
          loginForm.reset();
          dialog.close();
          say(t("signed_in_again"), true);
          save();
        } else {
          if (data.csrf_token) { setToken(data.csrf_token); }
          message.textContent = data.message || t("login_failed");
        }
      }).catch(function () {
        message.textContent = t("login_offline");
      });
    });
  }

  /* --- edits kept from an earlier visit ------------------------------------------------------------------- */
  function restore() {
    var all = kept();
    var page = digests();
    var blocked = [];
    Object.keys(all).forEach(function (qid) {
      var entry = all[qid];
      if (!document.getElementById("q-" + qid) || !entry.fields) { delete all[qid]; return; }
      if (same(fieldsOf(qid), entry.fields)) { delete all[qid]; return; }  /* already stored */
      if ((page[qid] || "") === (entry.base || "")) {
        applyFields(entry.fields);
        dirty[qid] = true;
      } else {
        blocked.push(qid);
      }
    });
    keep(all);
    if (hasUnsaved()) { say(t("restored"), true); schedule(200); }
    if (blocked.length && restoreArea) { showBlocked(blocked, all); }
  }
  function showBlocked(qids, all) {
    var box = document.createElement("div");
    box.className = "conflict";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    var h = document.createElement("h2");
    h.textContent = t("blocked_title");
    var p = document.createElement("p");
    p.textContent = t("blocked_text");
    var list = document.createElement("ul");
    qids.forEach(function (qid) {
      var li = document.createElement("li");
      var values = Object.keys(all[qid].fields).map(function (k) { return all[qid].fields[k]; })
        .filter(function (v) { return v; });
      li.textContent = qid + ": " + values.join(" · ");
      list.appendChild(li);
    });
    var use = document.createElement("button");
    use.type = "button";
    use.className = "button";
    use.textContent = t("use_mine");
    use.addEventListener("click", function () {
      qids.forEach(function (qid) { applyFields(all[qid].fields); dirty[qid] = true; });
      var stored = kept();
      var page = digests();
      qids.forEach(function (qid) { if (stored[qid]) { stored[qid].base = page[qid] || ""; } });
      keep(stored);
      box.remove();
      save();
    });
    var drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button button--secondary";
    drop.textContent = t("drop_mine");
    drop.addEventListener("click", function () {
      var stored = kept();
      qids.forEach(function (qid) { delete stored[qid]; });
      keep(stored);
      box.remove();
    });
    box.appendChild(h); box.appendChild(p); box.appendChild(list); box.appendChild(use); box.appendChild(drop);
    restoreArea.appendChild(box);
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

  /* A reply to a reviewer's comment sits inside the questions but belongs to its own form (form="reply-…"). */
  function ours(event) { return event.target.form === form; }

  form.addEventListener("change", function (event) {
    if (!ours(event)) { return; }
    var qid = questionOf(event.target.name);
    if (qid) { remember(qid); }
    syncUnknownDetails(event.target);
    schedule(400);
  });
  form.addEventListener("input", function (event) {
    if (!ours(event)) { return; }
    var qid = questionOf(event.target.name);
    if (qid) { remember(qid); }
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { schedule(1500); }
  });
  form.addEventListener("submit", function () {
    if (timer) { clearTimeout(timer); }
    dirty = {};  /* the full post carries every edit; the answer page shows how it went */
  });
  window.addEventListener("beforeunload", function (event) {
    if (hasUnsaved()) { event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("pageshow", function (event) {
    /* Restored from the back/forward cache: what the page shows may be old. Reload; kept edits come back. */
    if (event.persisted) { dirty = {}; window.location.reload(); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-reload]");
    if (link) { dirty = {}; }  /* reloading on purpose: kept edits come back where nobody changed them */
  });
  restore();
})();
