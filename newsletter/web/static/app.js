// Small progressive enhancements; every page works without them.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
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
