/* The order page: status, stages, inspections and the timeline, refreshed from the order API while
   the order is still moving. */
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

  /* Stages as done / current / next: from the order's own list when the API gives one, otherwise
     from the stage events of the timeline. */
  function stagesOf(order) {
    if (order.stages) {
      return order.stages.map(function (stage) {
        return { name: stage.name || stage.stage, state: stage.state, workCentre: stage.work_centre || "", batch: stage.batch || "" };
      });
    }
    const stages = [];
    order.events.forEach(function (event) {
      if (!event.stage || (event.type !== "stage_started" && event.type !== "stage_completed")) return;
      let stage = stages.find(function (item) { return item.name === event.stage; });
      if (!stage) { stage = { name: event.stage, state: "current", workCentre: event.workCentre, batch: event.batch }; stages.push(stage); }
      if (event.type === "stage_completed") stage.state = "done";
      if (event.workCentre) stage.workCentre = event.workCentre;
    });
    const finished = ["completed", "shipped"].indexOf(order.status) >= 0;
    stages.forEach(function (stage) {
      if (finished || (stage.name !== order.stage && stage.state === "current")) stage.state = "done";
    });
    return stages;
  }

  function render(data) {
    const order = A.read.order(data);
    view.dataset.status = order.status;
    const status = $("order-status");
    status.textContent = STATUS[order.status] || order.status;
    status.className = "status status-" + order.status;
    $("order-stage").textContent = order.stage && IN_WORKSHOP.indexOf(order.status) >= 0 ? "at " + order.stage : "";
    $("order-eta").textContent = new Date(order.eta + "T12:00:00").toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
    $("order-batch").textContent = order.batch || "—";

    const reached = PROGRESS.indexOf(order.status === "rework" || order.status === "scrapped" ? "in_production" : order.status);
    const progress = $("status-progress");
    progress.replaceChildren.apply(progress, order.status === "cancelled"
      ? [element("li", "current", "Cancelled")]
      : PROGRESS.map(function (name, index) {
        const item = element("li", index < reached ? "done" : index === reached ? "current" : "", STATUS[name]);
        if (index === reached) item.setAttribute("aria-current", "step");
        return item;
      }));

    const stages = stagesOf(order);
    const list = $("stage-list");
    list.replaceChildren.apply(list, stages.map(function (stage) {
      const item = element("li", stage.state);
      item.append(element("span", "stage-state", stage.state));
      item.append(element("span", "stage-name", stage.name));
      if (stage.workCentre) item.append(element("span", "muted", "· " + stage.workCentre));
      if (stage.batch) item.append(element("span", "muted", "· batch " + stage.batch));
      return item;
    }));
    $("stages-empty").hidden = stages.length > 0;

    const inspections = $("inspection-list");
    inspections.replaceChildren.apply(inspections, order.inspections.map(function (event) {
      const item = element("li");
      item.append(element("time", "", when(event.at)));
      const result = (event.inspectionResult || "").toLowerCase();
      item.append(element("strong", "result-" + result, (event.stage ? event.stage + ": " : "") + (RESULT[result] || result || "inspected")));
      if (event.message) item.append(element("div", "", event.message));
      return item;
    }));
    $("inspections-empty").hidden = order.inspections.length > 0;

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
