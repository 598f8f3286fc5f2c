// Small progressive enhancements; every page works without them.
// A question before a submit: on the button used (data-confirm), else on its form. Asked
// first (capture), so that nothing else acts on a submit the person declines.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter || null;
  var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (field && navigator.clipboard) {
    navigator.clipboard.writeText(field.value);
    button.textContent = button.getAttribute("data-copied") || button.textContent;
  }
});
// Live refresh of a sending page: reload the figures every few seconds while sending.
(function () {
  var box = document.querySelector("[data-refresh]");
  if (!box || !box.querySelector("[data-still-sending]")) return;
  var url = box.getAttribute("data-refresh");
  var timer = setInterval(function () {
    fetch(url, {headers: {"Accept": "text/html"}}).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.text();
    }).then(function (html) {
      box.innerHTML = html;
      if (!box.querySelector("[data-still-sending]")) {
        clearInterval(timer);
      }
    });
  }, 2000);
})();
// Preview of a news submission without leaving the page, so the chosen files stay selected.
(function () {
  var button = document.getElementById("preview-button");
  if (!button) return;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var form = document.getElementById("submit-form");
    var data = new FormData();
    data.append("csrf_token", form.elements["csrf_token"].value);
    data.append("title", form.elements["title"].value);
    data.append("body", form.elements["body"].value);
    fetch("/submit-preview", {method: "POST", body: data}).then(function (r) { return r.text(); })
      .then(function (html) { document.getElementById("preview").innerHTML = html; });
  });
})();
// "Select every person of this page": ticks the checkboxes of its form.
document.addEventListener("change", function (event) {
  var box = event.target.closest("[data-select-all]");
  if (!box) return;
  var form = document.getElementById(box.getAttribute("data-select-all"));
  if (!form) return;
  form.querySelectorAll("input[name='ids']").forEach(function (item) { item.checked = box.checked; });
});
// Composer: a button's action refused shows the composer again, as typed, at the action's
// address (.../annexes); the address bar then says the composer's own, so that a reload or
// a link copied opens the composer, not the action (without JavaScript it stays the
// action's address; the page and what was typed are the same).
(function () {
  var form = document.querySelector("form[data-autosave][data-page]");
  var page = form && form.getAttribute("data-page");
  if (!page || !window.history || !history.replaceState) return;
  if (location.pathname !== page && document.getElementById("composer-errors")) {
    history.replaceState(null, "", page);
  }
})();
// Composer: the whole form is saved as it changes (a visible "saved" state), the preview
// follows each save, and leaving the page with unsaved changes asks first. Its fields are
// those of the form and those outside it that belong to it (form="texts-form": the AGs'
// PV, the blocks, the annexes). Every button of the composer submits the whole form to its
// own action, which saves the fields first (so without JavaScript nothing typed is lost
// either); any other form of the page waits for the save. A part refused shows its error
// next to it ([data-error-for]), the rest is saved.
(function () {
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) return;
  var state = document.getElementById("save-state");
  var count = document.getElementById("recipient-count");
  var frame = document.getElementById("preview-frame");
  var source = frame ? frame.getAttribute("src") : "";
  var dirty = false, held = false, timer = null, pending = null;
  function show(key, text) {
    if (!state) return;
    state.textContent = text || state.getAttribute("data-" + key) || "";
    state.setAttribute("data-state", key);
  }
  function showErrors(errors) {
    document.querySelectorAll("[data-error-for]").forEach(function (box) {
      var message = errors && errors[box.getAttribute("data-error-for")];
      box.textContent = message || "";
      box.hidden = !message;
    });
  }
  function answer(response) {
    return response.json().then(function (data) { return {ok: response.ok, data: data}; });
  }
  function save() {
    clearTimeout(timer);
    timer = null;
    if (pending) return pending.then(function () { return dirty ? save() : true; });
    if (!dirty) return Promise.resolve(true);
    dirty = false;
    show("saving");
    var data = new FormData(form);
    // an annex or a block's image is sent by a button, not with every save
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.type === "file" && field.name) data.delete(field.name);
    });
    pending = fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-Autosave": "1"}
    }).then(answer).then(function (result) {
      pending = null;
      showErrors(result.data.errors);
      if (!result.ok) { dirty = true; show("failed", result.data.state); return false; }
      if (!dirty) { if (held) { show("unsaved"); } else { show("saved", result.data.state); } }
      if (count && result.data.recipients) count.textContent = result.data.recipients;
      if (frame && source) {
        frame.setAttribute("src", source + (source.indexOf("?") < 0 ? "?" : "&") + "t=" + Date.now());
      }
      return true;
    }).catch(function () { pending = null; dirty = true; show("failed"); return false; });
    return pending;
  }
  function changed(event) {
    var field = event.target;
    if (!field || field.form !== form) return;
    // a file, or a new block's fields, wait for their button: a save cannot carry them
    if (field.type === "file" || (field.name || "").indexOf("new_") === 0) {
      held = true;
      show("unsaved");
      return;
    }
    dirty = true;
    show("unsaved");
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  }
  document.addEventListener("input", changed);
  document.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    dirty = false; held = false; clearTimeout(timer);
  });
  document.addEventListener("submit", function (event) {
    var other = event.target;
    if (other === form || !(dirty || pending)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var button = event.submitter || null;
    save().then(function (ok) {
      if (!ok) return;
      if (other.requestSubmit) { other.requestSubmit(button); } else { other.submit(); }
    });
  }, true);
  window.addEventListener("beforeunload", function (event) {
    if (dirty || pending || held) { event.preventDefault(); event.returnValue = ""; }
  });
})();
// The web version's frame as tall as the issue it shows, so a phone scrolls one page
// and not a box inside it (without JavaScript: a fixed height and the frame's own bar).
document.querySelectorAll("iframe[data-fit]").forEach(function (frame) {
  function fit() {
    var doc = frame.contentDocument;
    if (!doc || !doc.body) return;
    frame.style.height = "0";  // measured at the width it has, never at its old height
    var borders = frame.offsetHeight - frame.clientHeight;
    frame.style.height = Math.ceil(doc.documentElement.scrollHeight) + borders + "px";
  }
  frame.addEventListener("load", fit);
  window.addEventListener("resize", fit);
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit();
});
