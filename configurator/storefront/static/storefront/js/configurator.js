/* The configurator page: every change asks the configure API and updates the page in place. */
(function () {
  "use strict";
  const A = window.Atelier;
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const product = page.product;
  const root = document.getElementById("configurator");
  const form = document.getElementById("configure-form");
  const setsByCode = {};
  product.option_sets.forEach(function (set) { setsByCode[set.code] = set; });
  const fieldsets = {};
  const valueElements = {};  // option set code -> value code -> element, looked up once
  form.querySelectorAll("fieldset.option-set").forEach(function (fieldset) {
    fieldsets[fieldset.dataset.set] = fieldset;
    const byValue = valueElements[fieldset.dataset.set] = {};
    fieldset.querySelectorAll(".values .value[data-value]").forEach(function (element) { byValue[element.dataset.value] = element; });
  });

  let pairs = [];          // [[option set code, value], ...] in the order the customer chose
  let quantity = 1;
  let answer = null;
  let sequence = 0;        // answers to older requests are dropped
  let rounds = 0;
  const explained = new Map();
  // Round trips (a change until the page shows its answer) and the part spent updating the page,
  // in milliseconds: read by the browser tests, which print them.
  window.__atelierTimings = [];
  window.__atelierRenderTimings = [];

  const $ = function (id) { return document.getElementById(id); };
  function money(amount, currency) { return amount + " " + (currency || product.currency); }
  function text(element, value) { if (element) element.textContent = value; }
  function valueKey(value) { return JSON.stringify(value); }
  function pairsValue(code) {
    const pair = pairs.find(function (item) { return item[0] === code; });
    return pair ? pair[1] : undefined;
  }

  /* ---- choices -------------------------------------------------------------------------------- */
  function choose(code, value, startedAt) {
    pairs = pairs.filter(function (pair) { return pair[0] !== code; });
    pairs.push([code, value]);
    refresh(startedAt);
  }
  function unchoose(code, startedAt) {
    pairs = pairs.filter(function (pair) { return pair[0] !== code; });
    refresh(startedAt);
  }

  /* What the set contributes to the effective configuration (see ARCHITECTURE.md): the choice, else
     what the choices imply, else the standard value where it still fits; undefined when missing. */
  function effectiveValue(guidance) {
    if (guidance.decided) return guidance.selection;
    if (guidance.implied !== null && guidance.implied !== undefined) return guidance.implied;
    const set = setsByCode[guidance.code] || {};
    const fallback = set.default === undefined ? null : set.default;
    function fits(code) {
      return (guidance.values || []).some(function (value) { return value.selectable && valueKey(value.code) === valueKey(code); });
    }
    if (guidance.kind === "multi") {
      const list = fallback || [];
      return list.every(fits) ? list : [];
    }
    if (guidance.kind === "single" || guidance.kind === "boolean") {
      if (fallback === null) return guidance.kind === "single" && !set.required && guidance.none_selectable !== false ? null : undefined;
      return fits(fallback) ? fallback : undefined;
    }
    return fallback === null ? undefined : fallback;
  }

  /* ---- talking to the API ----------------------------------------------------------------------- */
  async function refresh(startedAt) {
    const started = startedAt || performance.now();
    const mine = ++sequence;
    root.setAttribute("aria-busy", "true");
    const sent = pairs.slice();
    let result;
    try {
      result = await A.api.configure(product.code, sent, quantity);
    } catch (error) {
      if (mine !== sequence) return;
      root.removeAttribute("aria-busy");
      rejected(error, sent);
      return;
    }
    if (mine !== sequence) return;
    answer = result;
    const rendering = performance.now();
    render();
    window.__atelierRenderTimings.push(performance.now() - rendering);
    rounds += 1;
    root.dataset.rounds = String(rounds);
    root.removeAttribute("aria-busy");
    requestAnimationFrame(function () { window.__atelierTimings.push(performance.now() - started); });
  }

  /* A 400 names the option set at fault: say so there and go back to the last accepted choices. */
  function rejected(error, sent) {
    let shown = false;
    Object.keys(error.fields || {}).forEach(function (path) {
      const code = path.replace(/^selections\./, "").split(/[.[]/)[0];
      const fieldset = fieldsets[code];
      if (fieldset) {
        const target = fieldset.querySelector(".field-error") || fieldset.querySelector(".force");
        target.textContent = error.messagesFor(path).join(" ");
        target.hidden = false;
        fieldset.classList.add("has-error");
        shown = true;
        pairs = pairs.filter(function (pair) { return pair[0] !== code; });
      }
    });
    status(shown ? "That value cannot be used; see the message by the field." : error.message, true);
    if (shown && answer) render();
  }

  /* ---- rendering -------------------------------------------------------------------------------- */
  function render() {
    const sets = A.read.optionSets(answer);
    sets.forEach(renderSet);
    renderConflict();
    renderPrice();
    renderProduction();
    renderActions();
    renderPicture(sets);
    renderGroups();
    history.replaceState(null, "", location.pathname + "?" + A.linkQuery(pairs, product.version, quantity));
    $("share-link").value = location.href;
  }

  function reasonText(reasons) {
    return reasons.map(function (reason) { return reason.message; }).join(" ");
  }

  function renderSet(guidance) {
    const fieldset = fieldsets[guidance.code];
    if (!fieldset) return;
    const effective = effectiveValue(guidance);
    const chosen = pairsValue(guidance.code) !== undefined;
    let state;
    if (chosen) state = "your choice";
    else if (guidance.implied !== null && guidance.implied !== undefined) state = "set by your choices";
    else if (effective === undefined) state = "choose one";
    else state = "standard";
    text(fieldset.querySelector(".set-state"), "— " + state);
    fieldset.dataset.state = state;
    const selectable = (guidance.values || []).filter(function (value) { return value.selectable; }).length;
    fieldset.dataset.open = String(!chosen && (guidance.values ? selectable > 1 : true) && !guidance.implied);
    if (!fieldset.classList.contains("has-error")) {
      fieldset.querySelectorAll(".field-error").forEach(function (element) { element.textContent = ""; });
    }
    fieldset.classList.remove("has-error");
    if (guidance.kind === "number") return renderNumber(fieldset, guidance, effective, chosen);
    if (guidance.kind === "text") {
      const input = fieldset.querySelector("input");
      if (document.activeElement !== input) input.value = chosen ? guidance.selection || "" : "";
      return;
    }
    const values = guidance.values || [];
    const customerValue = pairsValue(guidance.code);
    values.forEach(function (value) {
      const state = valueState(guidance, value, customerValue);
      if (guidance.kind === "boolean") {
        const element = fieldset.querySelector(".value.toggle");
        element.querySelector("input").checked = effective === true;
        // The switch offers the other value: it is blocked when that value is.
        if (value.code === (effective !== true)) paintValue(element, state, false, guidance.code);
        return;
      }
      const element = valueElements[guidance.code][String(value.code)];
      if (!element) return;
      const on = Array.isArray(effective) ? effective.indexOf(value.code) >= 0 : effective === value.code;
      const input = element.querySelector("input");
      if (input.checked !== on) input.checked = on;
      paintValue(element, state, on, guidance.code);
    });
    const none = fieldset.querySelector(".none-value");
    if (none) {
      const on = effective === null;
      none.querySelector("input").checked = on;
      const blocked = guidance.none_selectable === false && !on && !guidance.decided;
      paintValue(none, { code: null, blocked: blocked, implied: false, conflicts: false, reasons: [] }, on, guidance.code);
    }
  }

  /* How one value shows. A decided single or yes/no set reports its other values as blocked by its
     own choice: those are only a switch away, so they show as available. The customer's own
     choices are not "implied" to them. */
  function valueState(guidance, value, customerValue) {
    const reasons = value.reasons || [];
    const switchable = guidance.decided && (guidance.kind === "single" || guidance.kind === "boolean") &&
      reasons.length > 0 && reasons.every(function (reason) { return reason.type === "choice" && reason.option_set === guidance.code; });
    const own = customerValue !== undefined &&
      (Array.isArray(customerValue) ? customerValue.indexOf(value.code) >= 0 : valueKey(customerValue) === valueKey(value.code));
    return {
      code: value.code,
      blocked: !value.selectable && !switchable,
      conflicts: !value.selectable && own,
      implied: value.implied && !own,
      reasons: reasons,
    };
  }

  function paintValue(element, state, on, code) {
    // A large model repaints hundreds of values per answer: touch only those that changed.
    const signature = JSON.stringify([state, on]);
    if (element.atelierSignature === signature) return;
    element.atelierSignature = signature;
    const blocked = state.blocked && !on;
    element.classList.toggle("blocked", blocked);
    element.classList.toggle("implied", state.implied);
    element.classList.toggle("chosen", on);
    const input = element.querySelector("input");
    if (blocked) input.setAttribute("aria-disabled", "true"); else input.removeAttribute("aria-disabled");
    const badge = element.querySelector(".badge");
    let label = "";
    if (state.implied) label = "implied by your choices";
    else if (blocked) label = "not available";
    else if (state.conflicts) label = "conflicts";
    if (badge) { badge.textContent = label; badge.hidden = !label; }
    const reason = element.querySelector(".reason");
    if (reason) {
      reason.textContent = blocked || state.conflicts ? reasonText(state.reasons) : "";
      element.dataset.needsReason = String(blocked && !state.reasons.length);
      element.dataset.code = JSON.stringify(state.code);
      element.dataset.set = code;
    }
  }

  function renderNumber(fieldset, guidance, effective, chosen) {
    const input = fieldset.querySelector("input");
    if (document.activeElement !== input) input.value = chosen ? guidance.selection : "";
    const low = chosen && guidance.switch_min !== undefined ? guidance.switch_min : guidance.min;
    const high = chosen && guidance.switch_max !== undefined ? guidance.switch_max : guidance.max;
    const range = fieldset.querySelector(".range");
    const unit = range.dataset.unit;
    if (low === null || low === undefined) {
      range.textContent = "No value fits your other choices.";
    } else {
      input.min = low; input.max = high;
      const narrowed = String(low) !== range.dataset.min || String(high) !== range.dataset.max;
      range.textContent = (narrowed ? "With your choices: " : "") + low + "–" + high + " " + unit +
        (range.dataset.step ? ", in steps of " + range.dataset.step : "") + "." +
        (chosen ? "" : " Standard: " + effective + " " + unit + ".");
      range.classList.toggle("narrowed", narrowed);
    }
  }

  function renderConflict() {
    const section = $("conflict");
    const conflict = A.read.conflict(answer);
    const wasHidden = section.hidden;
    section.hidden = !conflict;
    if (!conflict) return;
    const list = section.querySelector(".conflict-reasons");
    list.replaceChildren.apply(list, conflict.reasons.map(function (reason) {
      const item = document.createElement("li");
      item.textContent = reason.message;
      return item;
    }));
    const repairs = section.querySelector(".repairs");
    repairs.replaceChildren.apply(repairs, conflict.repairs.map(function (changes) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button repair";
      button.textContent = changes.map(function (change) { return change.message; }).join(" ");
      button.addEventListener("click", function () {
        const startedAt = performance.now();
        changes.forEach(function (change) {
          pairs = pairs.filter(function (pair) { return pair[0] !== change.optionSet; });
          pairs.push([change.optionSet, change.to]);
        });
        status("Fixed: " + button.textContent);
        refresh(startedAt).then(function () {
          const target = fieldsets[changes[0].optionSet];
          if (target) target.querySelector("input").focus();
        });
      });
      return button;
    }));
    if (wasHidden) section.focus();
  }

  function renderPrice() {
    const price = A.read.price(answer);
    const state = A.read.state(answer);
    const currency = price.currency;
    const rows = [["Standard " + product.name.toLowerCase(), money(price.baseline, currency), "baseline"]];
    price.lines.forEach(function (line) {
      if (line.kind === "baseline" || Number(line.amount) === 0) return;
      rows.push([line.label, (line.amount.charAt(0) === "-" ? "−" + line.amount.slice(1) : "+" + line.amount) + " " + currency, line.kind]);
    });
    const body = $("price-lines");
    body.replaceChildren.apply(body, rows.map(function (row) {
      const tr = document.createElement("tr");
      tr.className = "line-" + row[2];
      const th = document.createElement("th"); th.scope = "row"; th.textContent = row[0];
      const td = document.createElement("td"); td.textContent = row[1];
      tr.append(th, td);
      return tr;
    }));
    text($("unit-price"), money(price.unit, currency));
    text($("total"), money(price.total, currency) + (price.quantity > 1 ? " for " + price.quantity : ""));
    const premium = Number(price.premium);
    text($("premium"), (premium >= 0 ? "+" : "−") + String(price.premium).replace("-", "") + " " + currency +
      (price.premiumPercent !== null ? " (" + price.premiumPercent + " %)" : ""));
    const tiers = price.tiers.filter(function (tier) { return tier.quantity > 0; });
    $("tiers-row").hidden = !(price.quantity > 1 && tiers.length);
    text($("tiers"), tiers.map(function (tier) {
      return tier.quantity + " × " + tier.unit + (Number(tier.percent) ? " (−" + tier.percent + " %)" : "");
    }).join(", "));
    let note;
    if (!state.consistent) note = "These choices conflict: the price is a preview.";
    else if (state.valid) note = "Your configuration is complete.";
    else if (state.missing.length) note = "Still to choose: " + state.missing.map(function (code) { return setsByCode[code] ? setsByCode[code].name : code; }).join(", ") + ". The price is a preview.";
    else note = "The price is a preview.";
    text($("price-state"), note);
  }

  const MODES = { standard: "Standard line", batch: "Batch production", custom: "Made by hand" };

  function renderProduction() {
    const production = A.read.production(answer);
    const mode = $("mode");
    mode.textContent = MODES[production.mode] || production.mode;
    mode.dataset.mode = production.mode;
    text($("mode-reason"), production.reasons.length
      ? "because of " + production.reasons.map(function (reason) { return reason.label; }).join(", ")
      : "everything comes off the line");
    const shipDate = new Date(production.shipDate + "T12:00:00");
    text($("ship-date"), shipDate.toLocaleDateString(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric" }));
    $("ship-date").dataset.date = production.shipDate;
    text($("lead-days"), "(" + production.businessDays + " business days)");
    const list = $("lead-components");
    list.replaceChildren.apply(list, production.components.map(function (item) {
      const li = document.createElement("li");
      li.textContent = item.what + ": " + item.days + " day" + (item.days === 1 ? "" : "s");
      return li;
    }));
  }

  function renderActions() {
    const state = A.read.state(answer);
    const button = $("quote-button");
    if (state.valid) {
      button.removeAttribute("aria-disabled");
      button.title = "";
    } else {
      button.setAttribute("aria-disabled", "true");
      button.title = state.consistent ? "Complete the configuration first." : "Resolve the conflict first.";
    }
  }

  function renderPicture(sets) {
    const picture = $("picture");
    if (!picture) return;
    const names = [];
    sets.forEach(function (guidance) {
      const value = effectiveValue(guidance);
      const attribute = "data-" + guidance.code.replace(/_/g, "-");
      if (value === undefined || value === null || value === "") { picture.removeAttribute(attribute); return; }
      picture.setAttribute(attribute, Array.isArray(value) ? value.join(" ") : String(value));
      const set = setsByCode[guidance.code];
      if (set && set.kind === "single" && names.length < 3) {
        const option = (set.options || []).find(function (item) { return item.code === value; });
        if (option) names.push(option.name.toLowerCase());
      }
    });
    const description = product.name + (names.length ? ": " + names.join(", ") : "");
    picture.setAttribute("aria-label", description);
    text($("picture-caption"), description);
  }

  function renderGroups() {
    document.querySelectorAll("details.set-group").forEach(function (group) {
      const sets = group.querySelectorAll("fieldset.option-set");
      let chosen = 0, open = 0;
      sets.forEach(function (fieldset) {
        if (fieldset.dataset.state === "your choice") chosen += 1;
        if (fieldset.dataset.open === "true") open += 1;
      });
      text(group.querySelector(".group-status"), "— " + chosen + " chosen, " + open + " open of " + sets.length);
    });
    applyFilter();
  }

  /* ---- blocked values: reasons on hover and focus, forcing one on purpose ------------------------- */
  async function fillReason(element) {
    if (element.dataset.needsReason !== "true") return;
    const code = element.dataset.set;
    const value = JSON.parse(element.dataset.code);
    const key = A.selectionsJson(pairs) + "|" + code + "|" + valueKey(value);
    const reason = element.querySelector(".reason");
    if (!explained.has(key)) {
      reason.textContent = "Finding out why…";
      explained.set(key, A.api.explain(product.code, pairs, code, value).catch(function () { return null; }));
    }
    const reasons = await explained.get(key);
    element.dataset.needsReason = "false";
    element.atelierSignature = null;  // what was fetched holds for these choices only: repaint next time
    if (reasons && reasons.length && reasons.every(function (item) { return item.type === "choice" && item.option_set === code; })) {
      // Only the set's own choice stands in the way: a switch, not a block.
      element.classList.remove("blocked");
      element.querySelector("input").removeAttribute("aria-disabled");
      const badge = element.querySelector(".badge");
      if (badge) badge.hidden = true;
      reason.textContent = "";
      return;
    }
    reason.textContent = reasons && reasons.length ? reasonText(reasons) : "Not available with your choices.";
  }

  form.addEventListener("mouseover", function (event) {
    const element = event.target.closest(".value.blocked");
    if (element) fillReason(element);
  });
  form.addEventListener("focusin", function (event) {
    const element = event.target.closest(".value.blocked");
    if (element) fillReason(element);
  });

  function offerForce(fieldset, element, apply) {
    const box = fieldset.querySelector(".force");
    const name = element.querySelector(".value-name").textContent;
    box.replaceChildren();
    const message = document.createElement("p");
    const reason = element.querySelector(".reason").textContent;
    message.textContent = name + " is not available with your choices" + (reason ? ": " + reason : ".");
    const yes = document.createElement("button");
    yes.type = "button"; yes.className = "button secondary"; yes.textContent = "Choose " + name + " anyway";
    const no = document.createElement("button");
    no.type = "button"; no.className = "link-button"; no.textContent = "Keep my choices";
    yes.addEventListener("click", function () { box.hidden = true; apply(performance.now()); });
    no.addEventListener("click", function () { box.hidden = true; element.querySelector("input").focus(); });
    box.append(message, yes, no);
    box.hidden = false;
    fillReason(element).then(function () {
      const filled = element.querySelector(".reason").textContent;
      message.textContent = name + " is not available with your choices" + (filled ? ": " + filled : ".");
    });
  }

  form.addEventListener("click", function (event) {
    const input = event.target.closest("input");
    if (!input || input.type === "number" || input.type === "text") return;
    const element = input.closest(".value");
    const fieldset = input.closest("fieldset.option-set");
    if (!element || !element.classList.contains("blocked")) return;
    event.preventDefault();
    const code = fieldset.dataset.set;
    const kind = fieldset.dataset.kind;
    offerForce(fieldset, element, function (startedAt) {
      if (kind === "single") choose(code, element.dataset.value === "" ? null : element.dataset.value, startedAt);
      else if (kind === "multi") choose(code, checkedCodes(fieldset).concat([element.dataset.value]), startedAt);
      else if (kind === "boolean") choose(code, !input.checked, startedAt);
    });
  });

  function checkedCodes(fieldset) {
    return Array.from(fieldset.querySelectorAll("input[type=checkbox]:checked")).map(function (input) { return input.value; });
  }

  form.addEventListener("change", function (event) {
    const startedAt = performance.now();
    const input = event.target;
    const fieldset = input.closest("fieldset.option-set");
    if (!fieldset) return;
    const code = fieldset.dataset.set;
    fieldset.querySelector(".force").hidden = true;
    switch (fieldset.dataset.kind) {
      case "single": return choose(code, input.value === "" ? null : input.value, startedAt);
      case "multi": return choose(code, checkedCodes(fieldset), startedAt);
      case "boolean": return choose(code, input.checked, startedAt);
      case "number":
        if (input.value.trim() === "") return unchoose(code, startedAt);
        if (!isFinite(Number(input.value))) {
          fieldset.querySelector(".field-error").textContent = "Enter a number.";
          return;
        }
        return choose(code, Number(input.value), startedAt);
      case "text": return choose(code, input.value, startedAt);
    }
  });

  /* ---- quantity, reset, share, save, quote ------------------------------------------------------ */
  $("quantity").addEventListener("change", function (event) {
    const value = parseInt(event.target.value, 10);
    const max = parseInt(event.target.max, 10);
    quantity = Math.min(Math.max(isFinite(value) ? value : 1, 1), max || 10000);
    event.target.value = quantity;
    refresh();
  });

  $("reset-button").addEventListener("click", function () {
    pairs = [];
    quantity = 1;
    $("quantity").value = 1;
    form.querySelectorAll(".force").forEach(function (box) { box.hidden = true; });
    status("Back to the standard " + product.name.toLowerCase() + ".");
    refresh();
  });

  $("share-button").addEventListener("click", async function () {
    const link = location.href;
    try {
      await navigator.clipboard.writeText(link);
      status("Link copied. Anyone who opens it sees this configuration.");
    } catch (error) {
      $("share-link").select();
      status("Copy the selected link below.");
    }
  });

  $("save-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!page.loggedIn) { location.href = loginUrl(); return; }
    const name = $("save-name").value.trim() || $("save-name").placeholder;
    try {
      const result = await A.api.saveConfiguration(product.code, name, pairs, quantity);
      status((result.created ? "Saved as “" : "Updated “") + name + "”. Find it under Saved.");
    } catch (error) {
      status(error.messagesFor("name").join(" ") || error.message, true);
    }
  });

  $("quote-button").addEventListener("click", async function () {
    const button = $("quote-button");
    if (button.getAttribute("aria-disabled") === "true") { status(button.title, true); return; }
    if (!page.loggedIn) { location.href = loginUrl(); return; }
    button.setAttribute("aria-disabled", "true");
    status("Preparing your quote…");
    try {
      const quote = await A.api.createQuote(product.code, pairs, quantity);
      location.href = "/quotes/" + A.read.quoteId(quote) + "/";
    } catch (error) {
      button.removeAttribute("aria-disabled");
      status(error.message, true);
    }
  });

  function loginUrl() {
    const url = new URL(page.loginUrl, location.origin);
    url.searchParams.set("next", location.pathname + location.search);
    return url.pathname + url.search;
  }

  function status(message, isError) {
    const element = $("action-status");
    element.textContent = message;
    element.classList.toggle("error", !!isError);
  }

  /* ---- finding sets in a large model ------------------------------------------------------------ */
  const search = $("set-search");
  const onlyOpen = $("only-open");
  function applyFilter() {
    if (!search) return;
    const term = search.value.trim().toLowerCase();
    const open = onlyOpen.checked;
    let shown = 0;
    document.querySelectorAll("details.set-group").forEach(function (group) {
      let groupShown = 0;
      group.querySelectorAll("fieldset.option-set").forEach(function (fieldset) {
        const match = (!term || fieldset.dataset.search.indexOf(term) >= 0) && (!open || fieldset.dataset.open === "true");
        fieldset.hidden = !match;
        if (match) groupShown += 1;
      });
      group.hidden = groupShown === 0;
      if ((term || open) && groupShown) group.open = true;
      shown += groupShown;
    });
    text($("search-count"), term || open ? shown + " option set" + (shown === 1 ? "" : "s") + " shown" : "");
  }
  if (search) {
    search.addEventListener("input", applyFilter);
    onlyOpen.addEventListener("change", applyFilter);
    $("expand-all").addEventListener("click", function () { document.querySelectorAll("details.set-group").forEach(function (group) { group.open = true; }); });
    $("collapse-all").addEventListener("click", function () { document.querySelectorAll("details.set-group").forEach(function (group) { group.open = false; }); });
  }

  /* ---- start: the link's choices ---------------------------------------------------------------- */
  const link = A.parseLink(location.search, product.option_sets);
  pairs = link.pairs;
  quantity = Math.min(link.quantity, parseInt($("quantity").max, 10) || 10000);
  $("quantity").value = quantity;
  const notes = [];
  if (link.version !== null && link.version !== product.version) {
    notes.push("This link was made for version " + link.version + " of the " + product.name.toLowerCase() +
      "; it is now version " + product.version + ".");
  }
  link.dropped.forEach(function (item) { notes.push((item.name || item.code) + ": " + item.why + "; left out."); });
  if (link.version !== null && link.version !== product.version && !link.dropped.length) notes.push("All your choices are still offered.");
  if (notes.length) {
    const notice = $("link-notice");
    notice.textContent = notes.join(" ");
    notice.hidden = false;
  }
  refresh();
})();
