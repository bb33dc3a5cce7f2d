/* Placing the order of a quote. The page makes one Idempotency-Key when it loads and sends it with
   every attempt, so a double click or a retry after a lost answer places one order. */
(function () {
  "use strict";
  const A = window.Atelier;
  const form = document.getElementById("order-form");
  if (!form) return;
  const key = A.newIdempotencyKey();
  const button = document.getElementById("place-order");
  const summary = document.getElementById("order-errors");
  const status = document.getElementById("order-status");
  let pending = null;

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (element) { element.textContent = ""; });
    form.querySelectorAll(".field").forEach(function (field) { field.classList.remove("invalid"); });
    form.querySelectorAll("input").forEach(function (input) { input.removeAttribute("aria-invalid"); });
    summary.hidden = true;
  }

  function showErrors(error) {
    let first = null;
    Object.keys(error.fields).forEach(function (path) {
      const name = path.replace(/^shipping\./, "");
      const target = document.getElementById("err-" + name);
      const input = document.getElementById("ship-" + name);
      if (!target || !input) return;
      target.textContent = error.messagesFor(path).join(" ");
      input.closest(".field").classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    });
    if (first) {
      first.focus();
    } else {
      summary.textContent = error.message;
      summary.hidden = false;
    }
  }

  async function place() {
    clearErrors();
    const shipping = {};
    form.querySelectorAll("input").forEach(function (input) { shipping[input.name] = input.value.trim(); });
    shipping.country = shipping.country.toUpperCase();
    button.setAttribute("aria-disabled", "true");
    status.textContent = "Placing your order…";
    try {
      const order = await A.api.placeOrder(form.dataset.quote, shipping, key);
      status.textContent = "Order placed. Taking you to it…";
      location.href = "/orders/" + A.read.orderId(order) + "/";
    } catch (error) {
      button.removeAttribute("aria-disabled");
      status.textContent = "";
      showErrors(error);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // A second click while the first is on its way waits for it: same key, one order.
    if (!pending) pending = place().finally(function () { pending = null; });
  });
})();
