// A training run's progress: poll its JSON status while it runs, reload when done.
(function () {
  var box = document.getElementById("progress");
  if (!box || box.dataset.finished === "true") return;
  var order = ["queued", "validating", "training", "evaluating", "ready"];
  function mark(status) {
    var reached = order.indexOf(status);
    box.querySelectorAll(".steps li").forEach(function (li) {
      var i = order.indexOf(li.dataset.step);
      li.className = i < reached ? "done" : (i === reached ? "current" : "");
    });
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        document.getElementById("status").textContent = s.status_name;
        document.getElementById("log").textContent = s.log_tail;
        document.getElementById("error").textContent = s.error || "";
        mark(s.status);
        if (s.finished) window.location.reload();
        else setTimeout(poll, 3000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  mark(document.getElementById("status").dataset.status);
  setTimeout(poll, 1000);
})();
