// The pay page: starts the way to pay chosen by the server, counts the hold down,
// and polls /p/<code>/status until the order settles (paid, released, refunding).
(function () {
  const page = document.getElementById("pay");
  const code = page.dataset.code;
  const sections = ["pending", "paid", "released", "refunding"];
  let left = parseInt(page.dataset.secondsLeft || "0", 10);
  let state = page.dataset.state;
  let timer = null;

  function show(next) {
    state = next;
    const shown = next === "refunded" ? "refunding" : next;
    sections.forEach(function (id) { document.getElementById(id).hidden = id !== shown; });
    if (next !== "pending" && timer) { clearInterval(timer); timer = null; }
  }

  function error(text) {
    const box = document.getElementById("error");
    box.textContent = text;
    box.hidden = false;
  }

  async function check(askPlatform) {
    try {
      const response = await fetch("/p/" + code + "/status" + (askPlatform ? "?check=1" : ""));
      if (!response.ok) return;
      const body = await response.json();
      left = body.seconds_left;
      if (body.state !== state) show(body.state);
    } catch (e) {
      // the next poll tries again
    }
  }

  function tick() {
    const clock = document.getElementById("countdown");
    if (left > 0) left -= 1;
    if (clock) clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) { clearInterval(timer); timer = null; check(true); }
  }

  async function post(path) {
    const response = await fetch("/p/" + code + path, { method: "POST" });
    const body = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error(body.message || "暂时无法支付，请稍后再试");
    return body;
  }

  const consoleButton = document.getElementById("pay-console");
  if (consoleButton) {
    consoleButton.addEventListener("click", async function () {
      consoleButton.disabled = true;
      try { await post("/console"); await check(false); } catch (e) { error(e.message); consoleButton.disabled = false; }
    });
  }

  const wechatButton = document.getElementById("pay-wechat");
  if (wechatButton) {
    wechatButton.addEventListener("click", async function () {
      wechatButton.disabled = true;
      try {
        const body = await post("/jsapi");
        if (typeof WeixinJSBridge === "undefined") throw new Error("请在微信里打开这个页面");
        WeixinJSBridge.invoke("getBrandWCPayRequest", body.js_params, function (result) {
          wechatButton.disabled = false;
          if (result.err_msg === "get_brand_wcpay_request:ok") check(true);
          else if (result.err_msg !== "get_brand_wcpay_request:cancel") error("支付没有完成，请再试一次");
        });
      } catch (e) { error(e.message); wechatButton.disabled = false; }
    });
  }

  const paidCheck = document.getElementById("paid-check");
  if (paidCheck) paidCheck.addEventListener("click", function () { check(true); });

  if (state === "pending") {
    if (left > 0) timer = setInterval(tick, 1000);
    setInterval(function () { if (state === "pending") check(false); }, 3000);
    // Back from Alipay's cashier (return_url): ask the platform rather than wait for the notification.
    if (document.referrer || location.search) check(true);
  }
})();
