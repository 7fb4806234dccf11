// The web channel: each message goes to POST /api/v1/chat; buttons send their
// payload, and typing a button's number ("1") works the same as tapping it.
(function () {
  const log = document.getElementById("log");
  const typing = document.getElementById("typing");
  const input = document.getElementById("input");
  // Who is chatting is the server's HttpOnly session cookie (web/chat_session.py), sent by the
  // browser itself: nothing identifying in the page's storage, bodies or URLs.
  localStorage.removeItem("hospital-chat-sender");
  let lastButtons = [];

  function bubble(text, who) {
    const div = document.createElement("div");
    div.className = "bubble " + who;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  // The bot's titles may already carry their number ("1 预约挂号"): show it once.
  function plainTitle(title) {
    return title.replace(/^\s*\d+[\s.、:：)）]+/, "");
  }

  // A button with a `url` (去支付) is a link: opened in a new tab, never sent to the bot,
  // and not numbered; while the patient pays there, the page looks for the confirmation.
  function linkButton(b) {
    const link = document.createElement("a");
    link.className = "link-button";
    link.href = b.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = plainTitle(b.title);
    link.addEventListener("click", watchForConfirmation);
    return link;
  }

  function buttons(list) {
    const links = list.filter(function (b) { return /^https?:\/\//.test(b.url || ""); });
    list = list.filter(function (b) { return !b.url; });
    lastButtons = list;
    if (!list.length && !links.length) return;
    const row = document.createElement("div");
    row.className = "buttons";
    links.forEach(function (b) { row.appendChild(linkButton(b)); });
    list.forEach(function (b, i) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = (i + 1) + " " + plainTitle(b.title);
      btn.addEventListener("click", function () { send(b.payload, plainTitle(b.title)); });
      row.appendChild(btn);
    });
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  // When the server fails (5xx) or cannot be reached, the page answers by itself: the
  // most common red-flag words, simplified and traditional, get the 120 advice kept in
  // the page (chat.html #offline), everything else the busy notice. The server's own
  // triage is far wider; this list only has to catch the common emergencies offline.
  const RED_FLAGS = new RegExp([
    "胸痛", "胸口[痛疼]", "心口[痛疼]", "胸[闷悶]", "心[绞絞]痛",
    "呼吸困[难難]", "喘不[上过過][气氣]", "透不[过過][气氣]", "憋[气氣]", "窒息", "没有呼吸", "沒有呼吸",
    "昏迷", "[晕暈昏]倒", "[晕暈]厥", "叫不醒", "意[识識]不清", "抽搐", "抽筋不止",
    "口角歪斜", "口眼歪斜", "[说說]话不清", "[说說]不出话", "半身不遂", "[一半][侧側]无力", "[一半][侧側]無力", "中[风風]",
    "大出血", "出血不止", "吐血", "咯血", "呕血", "嘔血",
    "休克", "心[脏臟][骤驟]停", "喉[咙嚨][肿腫]",
    "自[杀殺]", "想死", "不想活", "[轻輕]生", "割腕", "服毒", "[农農][药藥]",
    "[触觸][电電]", "溺水", "[车車][祸禍]", "[坠墜]落", "剧烈头痛", "劇烈頭痛",
  ].join("|"));
  const offline = document.getElementById("offline");

  function answerOffline(said) {
    const urgent = RED_FLAGS.test(said);
    bubble(urgent ? offline.dataset.emergency : offline.dataset.busy, urgent ? "bot emergency" : "bot");
  }

  async function send(message, shown) {
    bubble(shown || message, "me");
    log.querySelectorAll(".buttons button").forEach(function (b) { b.disabled = true; });
    typing.hidden = false;
    const said = message + " " + (shown || "");
    try {
      let response;
      let body;
      try {
        response = await fetch("/api/v1/chat", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          credentials: "same-origin",
          body: JSON.stringify({ message: message }),
        });
        body = response.status >= 500 ? null : await response.json();
      } catch (e) {
        body = null; // the network failed, or a proxy's page came back instead of JSON
      }
      if (!body) {
        answerOffline(said);
        return;
      }
      if (!response.ok) {
        bubble(body.message || "抱歉，出了点问题，请稍后再试。", "bot");
        return;
      }
      body.messages.forEach(function (m) {
        if (m.text) bubble(m.text, "bot");
        buttons(m.buttons || []);
      });
    } finally {
      typing.hidden = true;
      if (!polling) poll();
    }
  }

  // While a person has the conversation (a hand-off), their replies arrive by polling;
  // so does the booking confirmation for 30 minutes after 去支付 is tapped.
  let polling = null;
  let watchUntil = 0;
  function watchForConfirmation() {
    watchUntil = Date.now() + 30 * 60 * 1000;
    if (!polling) polling = setInterval(poll, 3000);
  }
  window.addEventListener("focus", function () { if (Date.now() < watchUntil) poll(); });
  async function poll() {
    try {
      const response = await fetch("/api/v1/chat/pending", { credentials: "same-origin" });
      if (!response.ok) return;
      const body = await response.json();
      body.messages.forEach(function (m) { bubble(m.text, m.kind === "notice" ? "bot" : "bot staff"); });
      const watching = Date.now() < watchUntil;
      if ((body.handoff || watching) && !polling) {
        polling = setInterval(poll, 3000);
      } else if (!body.handoff && !watching && polling) {
        clearInterval(polling);
        polling = null;
      }
    } catch (e) {
      // the next poll or message tries again
    }
  }

  // A message over the limit is said to be too long, and kept in the box to shorten:
  // never cut silently (the server refuses it with the same words).
  const maxChars = parseInt(input.dataset.maxChars || "500", 10);
  const tooLong = input.dataset.tooLong || "消息有点长，请分几次发。";
  const counter = document.getElementById("counter");
  input.addEventListener("input", function () {
    const over = input.value.length > maxChars;
    if (counter) {
      counter.hidden = input.value.length < maxChars * 0.8;
      counter.textContent = input.value.length + "/" + maxChars;
      counter.className = over ? "counter over" : "counter";
    }
  });

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (text.length > maxChars) {
      bubble(tooLong + "（现在" + text.length + "字）", "bot");
      return;
    }
    input.value = "";
    if (counter) counter.hidden = true;
    const n = parseInt(text, 10);
    if (String(n) === text && n >= 1 && n <= lastButtons.length) {
      send(lastButtons[n - 1].payload, text + " " + plainTitle(lastButtons[n - 1].title));
    } else {
      send(text);
    }
  });

  // A reload shows this session's conversation again (kept on the server), else greets.
  async function restore() {
    try {
      const response = await fetch("/api/v1/chat/history", { credentials: "same-origin" });
      const body = response.ok ? await response.json() : { messages: [] };
      if (body.messages.length) {
        body.messages.forEach(function (m) {
          if (m.text) bubble(m.text, m.who === "me" ? "me" : "bot");
        });
        const last = body.messages[body.messages.length - 1];
        if (last.who !== "me") buttons(last.buttons || []);
        poll();
        return;
      }
    } catch (e) {
      // no history: start afresh
    }
    send("/greet", "您好");
  }
  restore();
})();
