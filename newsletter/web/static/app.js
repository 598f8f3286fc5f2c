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
