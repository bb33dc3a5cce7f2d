/* Every call the storefront makes to the Atelier API, and every read of its answers, lives in this
   file: when a field of the API is renamed, this is the one place to change. Plain script, no build:
   it defines window.Atelier. */
(function () {
  "use strict";

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || "The request failed (" + status + ").");
      this.status = status;
      this.code = (body && body.code) || "error";
      this.fields = (body && body.fields) || {};
    }
    /* The messages for one field path, e.g. "shipping.city" or "selections.frame". */
    messagesFor(path) {
      return (this.fields[path] || []).map(function (item) { return item.message; });
    }
  }

  /* Selections travel as ordered [code, value] pairs: the order is the order of the choices, which
     the engine's repairs rely on, and a plain object would reorder codes that look like numbers. */
  function selectionsJson(pairs) {
    return "{" + pairs.map(function (pair) {
      return JSON.stringify(pair[0]) + ":" + JSON.stringify(pair[1]);
    }).join(",") + "}";
  }

  async function request(method, url, bodyText, headers) {
    const init = {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/json" }, headers || {}),
    };
    if (bodyText !== undefined) {
      init.body = bodyText;
      init.headers["Content-Type"] = "application/json";
    }
    if (method !== "GET") init.headers["X-CSRFToken"] = cookie("csrftoken");
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw new ApiError(0, { code: "network", message: "The shop could not be reached. Check your connection and try again." });
    }
    const text = await response.text();
    let body = null;
    if (text) {
      try { body = JSON.parse(text); } catch (error) { body = { message: text.slice(0, 200) }; }
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return { status: response.status, body: body, headers: response.headers };
  }

  const api = {
    configure: function (product, pairs, quantity, options) {
      const explain = !options || options.explain !== false;
      const body = '{"selections":' + selectionsJson(pairs) + ',"quantity":' + JSON.stringify(quantity) +
        ',"explain":' + JSON.stringify(explain) + "}";
      return request("POST", "/api/products/" + encodeURIComponent(product) + "/configure", body)
        .then(function (result) { return result.body; });
    },
    explain: function (product, pairs, optionSet, value) {
      const body = '{"selections":' + selectionsJson(pairs) + ',"option_set":' + JSON.stringify(optionSet) +
        ',"value":' + JSON.stringify(value) + "}";
      return request("POST", "/api/products/" + encodeURIComponent(product) + "/explain", body)
        .then(function (result) { return result.body.reasons; });
    },
    createQuote: function (product, pairs, quantity) {
      const body = '{"product":' + JSON.stringify(product) + ',"selections":' + selectionsJson(pairs) +
        ',"quantity":' + JSON.stringify(quantity) + "}";
      return request("POST", "/api/quotes/", body).then(function (result) { return result.body; });
    },
    placeOrder: function (quoteId, shipping, idempotencyKey) {
      return request("POST", "/api/orders/", JSON.stringify({ quote: quoteId, shipping: shipping }),
        { "Idempotency-Key": idempotencyKey }).then(function (result) { return result.body; });
    },
    order: function (orderId) {
      return request("GET", "/api/orders/" + encodeURIComponent(orderId) + "/").then(function (result) { return result.body; });
    },
    saveConfiguration: function (product, name, pairs, quantity) {
      const body = '{"product":' + JSON.stringify(product) + ',"name":' + JSON.stringify(name) +
        ',"selections":' + selectionsJson(pairs) + ',"quantity":' + JSON.stringify(quantity) + "}";
      return request("POST", "/api/saved-configurations/", body).then(function (result) {
        return { saved: result.body, created: result.status === 201 };
      });
    },
  };

  /* Readers: the storefront's names for the parts of an answer. */
  const read = {
    optionSets: function (answer) { return answer.option_sets; },
    conflict: function (answer) {
      if (!answer.conflict) return null;
      return {
        reasons: answer.conflict.reasons,
        repairs: answer.conflict.repairs.map(function (repair) {
          return repair.changes.map(function (change) {
            return { optionSet: change.option_set, from: change.from, to: change.to, message: change.message };
          });
        }),
      };
    },
    state: function (answer) {
      return { valid: answer.valid, complete: answer.complete, consistent: answer.consistent,
        missing: answer.missing, errors: answer.errors, explained: answer.explained, version: answer.version };
    },
    price: function (answer) {
      const price = answer.price;
      return {
        final: answer.valid, currency: price.currency, quantity: price.quantity,
        baseline: price.baseline_price, unit: price.unit_price, total: price.total,
        lines: price.lines.map(function (line) { return { kind: line.kind, label: line.label, amount: line.amount, optionSet: line.option_set }; }),
        breakMode: price.quantity_breaks.mode,
        tiers: price.quantity_breaks.tiers.map(function (tier) {
          return { quantity: tier.quantity, percent: tier.percent, unit: tier.unit_price, amount: tier.amount };
        }),
        premium: price.premium.amount, premiumPercent: price.premium.percent,
      };
    },
    production: function (answer) {
      const production = answer.production;
      return {
        mode: production.mode,
        reasons: production.reasons.map(function (reason) { return { optionSet: reason.option_set, label: reason.label, level: reason.level }; }),
        setupKey: production.setup_key,
        businessDays: production.lead_time.business_days,
        shipDate: production.lead_time.ship_date,
        components: production.lead_time.components.map(function (item) { return { what: item.what, days: item.days }; }),
      };
    },
    quoteId: function (quote) { return quote.id; },
    orderId: function (order) { return order.id; },
    savedLink: function (saved) { return saved.link; },
    order: function (order) {
      return {
        id: order.id, status: order.status, stage: order.stage, queue: order.queue, batch: order.batch,
        eta: order.eta, mode: order.production_mode, updatedAt: order.updated_at,
        events: order.timeline.map(read.event),
        tracking: read.tracking(order.tracking),
      };
    },
    tracking: function (tracking) {
      return {
        route: tracking.route, inProduction: tracking.in_production,
        stages: tracking.stages.map(function (stage) {
          return {
            operation: stage.operation, state: stage.state, workCentre: stage.work_centre_name,
            itemState: stage.item_state, attempt: stage.attempt, minutes: stage.minutes,
            realStart: stage.real_start, realEnd: stage.real_end, dueAt: stage.due_at,
          };
        }),
        batch: tracking.batch && {
          code: tracking.batch.code, state: tracking.batch.state, units: tracking.batch.units,
          sizeLimit: tracking.batch.size_limit,
        },
        inspections: tracking.inspections.map(function (inspection) {
          return {
            operation: inspection.operation, inspects: inspection.inspects, attempt: inspection.attempt,
            sampled: inspection.units_sampled, defects: inspection.defects_found,
            decision: inspection.decision, action: inspection.action, at: inspection.at,
          };
        }),
        reworkCount: tracking.rework_count, remakes: tracking.remakes, needsAttention: tracking.needs_attention,
        eta: tracking.eta && {
          shipDate: tracking.eta.ship_date, completesAt: tracking.eta.completes_at,
          businessDays: tracking.eta.business_days,
        },
        footprint: tracking.footprint && {
          basis: tracking.footprint.basis, unit: read.footprintPart(tracking.footprint.unit),
          baseline: read.footprintPart(tracking.footprint.baseline), newMaterials: tracking.footprint.new_materials,
        },
      };
    },
    footprintPart: function (part) {
      return {
        energy: part.energy_kwh, materialPieces: part.material_pieces, scrap: part.scrap_pieces,
        rework: part.rework_units, materials: part.materials,
      };
    },
    event: function (event) {
      return {
        at: event.created_at, type: event.type, status: event.status, stage: event.stage,
        workCentre: event.work_centre, batch: event.batch, inspectionResult: event.inspection_result,
        actor: event.actor, message: event.message, data: event.data || {},
      };
    },
  };

  /* Configuration links (the same format as storefront/links.py): option set codes are identifiers,
     so the link's own parameters start with a hyphen. */
  const LINK_VERSION = "-version";
  const LINK_QUANTITY = "-quantity";

  function linkValue(value) {
    if (value === null || value === undefined) return "";
    if (value === true || value === false) return value ? "true" : "false";
    if (Array.isArray(value)) return value.join(",");
    return String(value);
  }

  function linkQuery(pairs, version, quantity) {
    const params = new URLSearchParams();
    if (version !== null && version !== undefined) params.append(LINK_VERSION, String(version));
    if (quantity && quantity !== 1) params.append(LINK_QUANTITY, String(quantity));
    pairs.forEach(function (pair) { params.append(pair[0], linkValue(pair[1])); });
    return params.toString();
  }

  /* Parse a link against the product's option sets: the pairs it gives, and what it held that this
     version does not know. */
  function parseLink(search, optionSets) {
    const params = new URLSearchParams(search);
    const byCode = {};
    optionSets.forEach(function (set) { byCode[set.code] = set; });
    const result = { pairs: [], version: null, quantity: 1, dropped: [] };
    params.forEach(function (raw, key) {
      if (key === LINK_VERSION) { const number = parseInt(raw, 10); result.version = isFinite(number) ? number : null; return; }
      if (key === LINK_QUANTITY) { result.quantity = Math.max(1, parseInt(raw, 10) || 1); return; }
      const set = byCode[key];
      if (!set) { result.dropped.push({ code: key, raw: raw, why: "this option set no longer exists" }); return; }
      const codes = (set.options || []).map(function (option) { return option.code; });
      let value;
      if (set.kind === "single") {
        value = raw === "" ? null : raw;
        if (value !== null && codes.indexOf(value) < 0) { result.dropped.push({ code: key, name: set.name, raw: raw, why: "“" + raw + "” is no longer offered" }); return; }
      } else if (set.kind === "multi") {
        value = raw === "" ? [] : raw.split(",");
        const unknown = value.filter(function (code) { return codes.indexOf(code) < 0; });
        if (unknown.length) {
          result.dropped.push({ code: key, name: set.name, raw: raw, why: "“" + unknown.join(", ") + "” no longer offered" });
          value = value.filter(function (code) { return codes.indexOf(code) >= 0; });
        }
      } else if (set.kind === "boolean") {
        if (raw !== "true" && raw !== "false") { result.dropped.push({ code: key, name: set.name, raw: raw, why: "not yes or no" }); return; }
        value = raw === "true";
      } else if (set.kind === "number") {
        value = Number(raw);
        if (raw === "" || !isFinite(value)) { result.dropped.push({ code: key, name: set.name, raw: raw, why: "not a number" }); return; }
      } else {
        value = raw;
      }
      result.pairs = result.pairs.filter(function (pair) { return pair[0] !== key; });
      result.pairs.push([key, value]);
    });
    return result;
  }

  function newIdempotencyKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (byte) { return byte.toString(16).padStart(2, "0"); }).join("");
  }

  window.Atelier = { api: api, read: read, ApiError: ApiError, selectionsJson: selectionsJson,
    linkQuery: linkQuery, parseLink: parseLink, newIdempotencyKey: newIdempotencyKey };
})();
