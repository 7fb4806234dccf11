// The console is plain server-rendered forms; this asks before the irreversible
// buttons and keeps the hand-off pages live by polling two small JSON answers.
(function () {
  var POLL_MS = 5000;

  document.querySelectorAll("button.secondary, button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var question = button.getAttribute("data-confirm") || "确定要" + button.textContent.trim() + "吗？";
      if (!window.confirm(question)) event.preventDefault();
    });
  });

  function cell(row, text, className) {
    var td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function poll(url, apply) {
    function tick() {
      fetch(url(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) apply(data); })
        .catch(function () { /* offline for a moment: the next tick tries again */ })
        .then(function () { setTimeout(tick, POLL_MS); });
    }
    setTimeout(tick, POLL_MS);
  }

  var inbox = document.getElementById("inbox");
  if (inbox) {
    poll(function () { return inbox.getAttribute("data-feed"); }, function (data) {
      var table = document.getElementById("inbox-table");
      var body = table.querySelector("tbody");
      body.textContent = "";
      data.rows.forEach(function (t) {
        var row = document.createElement("tr");
        row.className = "ticket" + (t.urgent ? " urgent" : "");
        row.setAttribute("data-id", t.id);
        var first = cell(row, "#" + t.id);
        if (t.urgent) {
          var badge = document.createElement("span");
          badge.className = "badge urgent";
          badge.textContent = "紧急";
          first.appendChild(document.createTextNode(" "));
          first.appendChild(badge);
        }
        cell(row, t.channel); cell(row, t.who); cell(row, t.preview, "preview"); cell(row, t.reason);
        cell(row, t.status); cell(row, t.assignee || "—", "assignee"); cell(row, t.waiting, "waiting");
        var open = document.createElement("a");
        open.href = t.url;
        open.textContent = "打开";
        cell(row, "").appendChild(open);
        body.appendChild(row);
      });
      table.hidden = data.rows.length === 0;
      document.getElementById("inbox-empty").hidden = data.rows.length > 0;
    });
  }

  var conversation = document.getElementById("conversation");
  if (conversation) {
    conversation.scrollTop = conversation.scrollHeight;
    var updates = conversation.getAttribute("data-updates");
    if (updates) {
      poll(function () {
        return updates + "?m=" + conversation.getAttribute("data-m") + "&r=" + conversation.getAttribute("data-r");
      }, function (data) {
        data.lines.forEach(function (line) {
          if (conversation.querySelector('[data-key="' + line.key + '"]')) return;
          var div = document.createElement("div");
          div.className = "line " + line.who;
          div.setAttribute("data-key", line.key);
          var at = document.createElement("span");
          at.className = "at";
          at.textContent = line.at;
          div.appendChild(at);
          if (line.who === "staff") {
            var author = document.createElement("span");
            author.className = "author";
            author.textContent = line.author + "：";
            div.appendChild(author);
          }
          var text = document.createElement("span");
          text.className = "text";
          text.textContent = line.text;
          div.appendChild(text);
          conversation.appendChild(div);
          conversation.scrollTop = conversation.scrollHeight;
        });
        conversation.setAttribute("data-m", data.cursor.m);
        conversation.setAttribute("data-r", data.cursor.r);
        document.getElementById("ticket-status").textContent = data.status_name;
        document.getElementById("holder").textContent = data.assignee || "暂无";
        var heldElsewhere = data.status === "claimed" && !data.mine;
        var notice = document.getElementById("held-notice");
        notice.querySelector(".holder-name").textContent = data.assignee;
        notice.hidden = !heldElsewhere;
        // Someone else took it (or it closed): nothing here may answer or close any more.
        var locked = heldElsewhere || data.status === "closed";
        document.querySelectorAll("#reply-form textarea, #reply-form button, #close-form button, #claim")
          .forEach(function (el) { el.disabled = locked; });
      });
    }
  }
})();
