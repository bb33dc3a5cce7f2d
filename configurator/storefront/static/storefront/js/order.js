/* The order page: status, the route's stages (done, current, next), batch, inspections, rework,
   remakes, the ETA and the footprint from the order's tracking, and the timeline; refreshed from the
   order API while the order is still moving. */
(function () {
  "use strict";
  const A = window.Atelier;
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const view = document.getElementById("order-view");
  const $ = function (id) { return document.getElementById(id); };
  const STATUS = {
    placed: "Placed", routed: "Routed", queued: "Queued for production", in_production: "In production",
    inspection: "In inspection", rework: "In rework", scrapped: "Scrapped, to be remade", completed: "Completed",
    shipped: "Shipped", cancelled: "Cancelled",
  };
  const PROGRESS = ["placed", "routed", "queued", "in_production", "inspection", "completed", "shipped"];
  const IN_WORKSHOP = ["in_production", "inspection", "rework", "scrapped"];
  const RESULT = { pass: "passed", passed: "passed", fail: "failed", failed: "failed", rework: "sent to rework", scrap: "scrapped", scrapped: "scrapped" };

  function when(iso) {
    return new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
  function element(tag, className, textContent) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (textContent !== undefined) node.textContent = textContent;
    return node;
  }

  const BATCH_STATE = { forming: "forming", released: "released", in_production: "in production", done: "done" };

  function clock(iso) {
    return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
  function label(code) { return code.charAt(0).toUpperCase() + code.slice(1).replace(/_/g, " "); }
  function shortDate(isoDate) {
    return new Date(isoDate + "T12:00:00").toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }

  /* What a stage is doing, in words: when it finished, when it will, or that it waits its turn. */
  function stageTimes(stage) {
    if (stage.state === "done" && stage.realEnd) return "finished " + clock(stage.realEnd);
    if (stage.itemState === "running" && stage.dueAt) return "until about " + clock(stage.dueAt);
    if (stage.itemState === "waiting") return "waiting for a free place";
    return stage.state === "next" ? "about " + Math.round(Number(stage.minutes)) + " min of work" : "";
  }

  function renderStages(tracking) {
    const list = $("stage-list");
    list.replaceChildren.apply(list, tracking.stages.map(function (stage) {
      const item = element("li", stage.state);
      if (stage.state === "current") item.setAttribute("aria-current", "step");
      item.append(element("span", "stage-state", stage.state));
      item.append(element("span", "stage-name", label(stage.operation)));
      item.append(element("span", "muted", "· " + stage.workCentre));
      const times = stageTimes(stage);
      if (times) item.append(element("span", "muted", "· " + times));
      if (stage.attempt > 1) item.append(element("span", "muted", "· attempt " + stage.attempt));
      return item;
    }));
    $("stages-empty").hidden = tracking.stages.length > 0;
    $("stages-route").textContent = tracking.route
      ? (tracking.inProduction ? "Route: " : "The route it will take: ") + tracking.route
      : "";
  }

  function renderInspections(tracking) {
    const list = $("inspection-list");
    list.replaceChildren.apply(list, tracking.inspections.map(function (inspection) {
      const item = element("li");
      item.append(element("time", "", when(inspection.at)));
      item.append(element("strong", "result-" + inspection.decision,
        label(inspection.operation) + ": " + (RESULT[inspection.decision] || inspection.decision)));
      item.append(element("div", "", inspection.inspects + " — " + inspection.defects + " defect" +
        (inspection.defects === 1 ? "" : "s") + " in " + inspection.sampled + " unit" + (inspection.sampled === 1 ? "" : "s") +
        " inspected" + (inspection.attempt > 1 ? " (attempt " + inspection.attempt + ")" : "")));
      if (inspection.action) item.append(element("div", "tags", inspection.action));
      return item;
    }));
    $("inspections-empty").hidden = tracking.inspections.length > 0;
  }

  function renderFootprint(footprint) {
    $("footprint-panel").hidden = !footprint;
    if (!footprint) return;
    const rows = [
      ["Energy (kWh)", footprint.unit.energy, footprint.baseline.energy],
      ["Material (pieces)", footprint.unit.materialPieces, footprint.baseline.materialPieces],
      ["Scrapped pieces", footprint.unit.scrap, footprint.baseline.scrap],
      ["Reworked units", footprint.unit.rework, footprint.baseline.rework],
    ];
    const body = $("footprint-table").tBodies[0];
    body.replaceChildren.apply(body, rows.map(function (row) {
      const line = element("tr");
      line.append(element("th", "", row[0]));
      line.lastChild.setAttribute("scope", "row");
      line.append(element("td", "", row[1]));
      line.append(element("td", "", row[2]));
      return line;
    }));
    $("footprint-materials").textContent = "Made of " + (footprint.unit.materials.join(", ") || "the standard materials") +
      (footprint.newMaterials.length ? " (new against the standard: " + footprint.newMaterials.join(", ") + ")." : ".");
  }

  function render(data) {
    const order = A.read.order(data);
    view.dataset.status = order.status;
    const status = $("order-status");
    status.textContent = STATUS[order.status] || order.status;
    status.className = "status status-" + order.status;
    $("order-stage").textContent = order.stage && IN_WORKSHOP.indexOf(order.status) >= 0 ? "at " + order.stage : "";
    const tracking = order.tracking;
    $("order-eta").textContent = shortDate(tracking.eta ? tracking.eta.shipDate : order.eta);
    $("order-eta-note").textContent = tracking.eta
      ? "(from the work ahead of it now; production done about " + clock(tracking.eta.completesAt) + ")"
      : "";
    $("order-batch").textContent = tracking.batch
      ? tracking.batch.code + " · " + (BATCH_STATE[tracking.batch.state] || tracking.batch.state) + ", " +
        tracking.batch.units + " of " + tracking.batch.sizeLimit + " units"
      : order.batch || "—";
    $("order-rework").textContent = String(tracking.reworkCount);
    $("order-remakes").textContent = String(tracking.remakes);
    $("attention-note").hidden = !tracking.needsAttention;

    const reached = PROGRESS.indexOf(order.status === "rework" || order.status === "scrapped" ? "in_production" : order.status);
    const progress = $("status-progress");
    progress.replaceChildren.apply(progress, order.status === "cancelled"
      ? [element("li", "current", "Cancelled")]
      : PROGRESS.map(function (name, index) {
        const item = element("li", index < reached ? "done" : index === reached ? "current" : "", STATUS[name]);
        if (index === reached) item.setAttribute("aria-current", "step");
        return item;
      }));

    renderStages(tracking);
    renderInspections(tracking);
    renderFootprint(tracking.footprint);

    const timeline = $("timeline");
    timeline.replaceChildren.apply(timeline, order.events.slice().reverse().map(function (event) {
      const item = element("li", "event-" + event.type);
      item.append(element("time", "", when(event.at)));
      item.append(element("div", "", event.message || event.type.replace(/_/g, " ")));
      const tags = [event.stage, event.workCentre && "at " + event.workCentre, event.batch && "batch " + event.batch,
        event.inspectionResult && "result: " + (RESULT[event.inspectionResult] || event.inspectionResult)].filter(Boolean);
      if (tags.length) item.append(element("div", "tags", tags.join(" · ")));
      return item;
    }));
    return order;
  }

  let failures = 0;
  async function poll() {
    try {
      const order = render(await A.api.order(view.dataset.order));
      failures = 0;
      schedule(order);
    } catch (error) {
      failures += 1;
      $("live-note").textContent = "Could not refresh (" + error.message + "); trying again.";
      setTimeout(poll, Math.min(30, page.refreshSeconds * Math.pow(2, failures)) * 1000);
    }
  }

  function schedule(order) {
    if (page.settled.indexOf(order.status) >= 0) {
      $("live-note").textContent = order.status === "cancelled" ? "" : "This order is " + STATUS[order.status].toLowerCase() + ".";
      view.dataset.live = "false";
      return;
    }
    view.dataset.live = "true";
    $("live-note").textContent = "This page updates by itself while your order is being made.";
    setTimeout(poll, page.refreshSeconds * 1000);
  }

  schedule(render(page.order));
})();
