// The console is plain server-rendered forms; this only keeps the inbox fresh
// and asks before the irreversible buttons.
(function () {
  document.querySelectorAll("button.secondary").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm("确定要" + button.textContent.trim() + "吗？")) event.preventDefault();
    });
  });
  var conversation = document.getElementById("conversation");
  if (conversation) conversation.scrollTop = conversation.scrollHeight;
  if (document.querySelector("tr.ticket") || document.title.indexOf("转人工收件箱") === 0) {
    setTimeout(function () { window.location.reload(); }, 20000);
  }
})();
