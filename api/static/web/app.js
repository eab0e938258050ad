/* fiscal-sim web page: sortable tables, the explanation panel, and the Monte Carlo / goal-seeking forms with
   their charts (pictures fetched from the JSON API, shown from blob: URLs).
   Plain JavaScript, no libraries; every page works without it (links and forms fall back to full pages). */
(function () {
  "use strict";

  const locale = document.documentElement.lang.startsWith("zh") ? "zh-CN" : "en-US";
  const money = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const share = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const plain = new Intl.NumberFormat(locale, { maximumSignificantDigits: 10 });
  const ratio = new Intl.NumberFormat(locale, { maximumFractionDigits: 4 });

  function strings() {
    const element = document.getElementById("ui-strings");
    return element ? JSON.parse(element.textContent) : {};
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
  }

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, value));
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  function number(value, kind) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    if (kind === "percent") return share.format(value);
    if (kind === "plain") return plain.format(value);
    return money.format(Math.abs(value) < 0.005 ? 0 : value);
  }

  // ---------------------------------------------------------------- sortable tables (click a header)

  function sortKey(row, index) {
    const cell = row.children[index];
    const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
    return raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }

  function sortBy(header) {
    const table = header.closest("table");
    const index = Array.from(header.parentNode.children).indexOf(header);
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    header.parentNode.querySelectorAll("th").forEach((th) => th.removeAttribute("aria-sort"));
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const rows = Array.from(table.tBodies[0].rows);
    rows.sort((a, b) => {
      const x = sortKey(a, index);
      const y = sortKey(b, index);
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), locale);
      return ascending ? order : -order;
    });
    rows.forEach((row) => table.tBodies[0].append(row));
  }

  document.querySelectorAll("table.sortable thead th").forEach((header) => {
    header.tabIndex = 0;
    header.addEventListener("click", () => sortBy(header));
    header.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        sortBy(header);
      }
    });
  });

  // ---------------------------------------------------------------- explanation panel

  const panel = document.getElementById("explain-panel");

  async function explain(href) {
    const body = panel.querySelector(".panel-body");
    const url = new URL(href, window.location.href);
    url.searchParams.set("partial", "1");
    body.textContent = "…";
    panel.hidden = false;
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      body.innerHTML = await response.text();
    } catch (error) {
      body.textContent = String(error);
    }
    panel.querySelector(".close").focus();
  }

  if (panel) {
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a.explain");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      explain(link.href);
    });
    panel.querySelector("[data-close-panel]").addEventListener("click", () => { panel.hidden = true; });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") panel.hidden = true;
    });
  }

  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
  // after a failed form, the summary of its errors (or what to confirm) comes into view
  const firstAlert = document.querySelector(".alert.error[role=alert], .alert.warn[role=alert]");
  if (firstAlert) {
    firstAlert.setAttribute("tabindex", "-1");
    firstAlert.scrollIntoView({ block: "center" });
    firstAlert.focus({ preventScroll: true });
  }

  // forms that undo work ask first (delete a scenario)
  document.querySelectorAll("form[data-confirm]").forEach((form) =>
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    }),
  );

  // ---------------------------------------------------------------- the pool's amount only where a mode takes one

  document.querySelectorAll("select[data-pool-mode]").forEach((select) => {
    const amount = select.closest("td").querySelector("input[data-pool-value]");
    const update = () => { amount.disabled = !["amount", "coefficient"].includes(select.value); };
    select.addEventListener("change", update);
    update();
  });

  // ---------------------------------------------------------------- Monte Carlo and goal seeking (JSON API)

  // a value as the page shows it: shares and rates as %, amounts with the unit, other numbers to 4 decimals
  function inWords(value, kind, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    if (kind === "percent") return share.format(value);
    if (kind === "money") return `${money.format(Math.abs(value) < 0.005 ? 0 : value)} ${unit}`;
    return ratio.format(value);
  }

  // the API answers in the page's language (messages, and the words of charts)
  const pageLang = locale === "zh-CN" ? "zh" : "en";

  function post(endpoint, body, accept) {
    const url = new URL(endpoint, window.location.href);
    url.searchParams.set("lang", pageLang);
    return fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: accept,
        "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content,
      },
      body: JSON.stringify(body),
    });
  }

  // object URLs of the pictures and downloads a form's last answer made; let go when it answers again
  const objectUrls = new WeakMap();

  function keep(form, url) {
    if (!objectUrls.has(form)) objectUrls.set(form, []);
    objectUrls.get(form).push(url);
    return url;
  }

  function release(form) {
    (objectUrls.get(form) || []).forEach((url) => URL.revokeObjectURL(url));
    objectUrls.set(form, []);
  }

  async function failure(response) {
    try {
      const data = await response.json();
      return errorList(data.errors || { _schema: [response.statusText] });
    } catch (error) {
      return el("p", {}, [response.statusText]);
    }
  }

  // a chart of the answer: its picture (PNG fetched from the API, shown from a blob: URL) and a link to the
  // numbers behind it (CSV, fetched when clicked)
  function chart(form, name, body, wide, quiet) {
    const s = strings();
    const csv = el("a", { class: "no-print small", href: "#", "data-csv": name }, [s.chart_csv]);
    const caption = el("figcaption", {}, [s.charts[name], csv]);
    const image = el("img", { alt: s.charts[name] });
    const figure = el("figure", { class: "chart" + (wide ? " wide" : ""), id: "chart-" + name }, [caption, image]);
    (async () => {
      const response = await post(form.dataset.endpoint, { ...body, format: "png" }, "image/png");
      if (!response.ok) {
        if (quiet) {
          figure.remove(); // a picture that only might have helped: its errors are the answer's
          return;
        }
        image.remove();
        figure.append(el("p", { class: "alert error" }, [s.chart_failed]), await failure(response));
        return;
      }
      image.src = keep(form, URL.createObjectURL(await response.blob()));
    })().catch((error) => figure.append(el("p", { class: "alert error" }, [s.chart_failed + String(error)])));
    csv.addEventListener("click", async (event) => {
      if (csv.dataset.ready) return; // the numbers are here: the browser saves them
      event.preventDefault();
      const response = await post(form.dataset.endpoint, { ...body, format: "csv" }, "text/csv");
      if (!response.ok) {
        figure.append(await failure(response));
        return;
      }
      csv.href = keep(form, URL.createObjectURL(await response.blob()));
      csv.download = `${name}.csv`;
      csv.dataset.ready = "1";
      csv.click();
    });
    return figure;
  }

  function errorList(errors) {
    const list = el("dl", { class: "errors" });
    Object.entries(errors).forEach(([field, messages]) => {
      list.append(el("dt", {}, [field === "_schema" ? "" : field]));
      (Array.isArray(messages) ? messages : [String(messages)]).forEach((m) => list.append(el("dd", {}, [m])));
    });
    return list;
  }

  function table(id, headRows, bodyRows) {
    const thead = el("thead", {}, headRows.map((cells) => el("tr", {}, cells)));
    const tbody = el("tbody", {}, bodyRows.map((cells) => el("tr", {}, cells)));
    return el("div", { class: "table-wrap" }, [el("table", { class: "data", id: id }, [thead, tbody])]);
  }

  function numberCell(value, kind) {
    const cell = el("td", { class: "num" + (value < -0.005 ? " neg" : "") }, [number(value, kind)]);
    return cell;
  }

  const BODIES = {
    montecarlo(form) {
      const data = new FormData(form);
      const body = { scenario_id: form.dataset.scenario, version: Number(form.dataset.version) };
      body.draws = parseInt(data.get("draws"), 10);
      if (String(data.get("seed") || "").trim() !== "") body.seed = parseInt(data.get("seed"), 10);
      return body;
    },
    solve(form) {
      const data = new FormData(form);
      const typed = String(data.get("parameter_path") || "").trim();
      const body = {
        scenario_id: form.dataset.scenario,
        version: Number(form.dataset.version),
        parameter: typed || data.get("parameter"),
        target: data.get("target"),
        value: Number(String(data.get("value")).replace(/[,，\s]/g, "")),
        year: parseInt(data.get("year"), 10),
      };
      const lo = String(data.get("lo") || "").trim();
      const hi = String(data.get("hi") || "").trim();
      if (lo !== "" && hi !== "") body.bounds = [Number(lo), Number(hi)];
      return body;
    },
  };

  const RENDERERS = {
    montecarlo(output, data, form, sent) {
      const s = strings();
      const metrics = ["required_transfers", "general_transfers", "county_balance"];
      const head1 = [el("th", { rowspan: "2" }, [s.year])];
      metrics.forEach((m) => head1.push(el("th", { colspan: "3", class: "group" }, [s.columns[m] + " (" + form.dataset.unit + ")"])));
      head1.push(el("th", { rowspan: "2", class: "num" }, [s.p_deficit]));
      const head2 = [];
      metrics.forEach(() => ["P5", "P50", "P95"].forEach((p) => head2.push(el("th", { class: "num" }, [p]))));
      const rows = data.summary.map((row) => {
        const cells = [el("th", {}, [String(row.year)])];
        metrics.forEach((m) => ["p5", "p50", "p95"].forEach((p) => cells.push(numberCell(row[m + "_" + p], "money"))));
        cells.push(numberCell(row.p_county_deficit, "percent"));
        return cells;
      });
      output.append(el("p", { class: "muted" }, [`${s.draws} ${data.draws} · ${s.seed} ${data.seed}`]));
      output.append(el("h3", {}, [s.percentiles]), table("montecarlo-summary", [head1, head2], rows));
      if (data.pilots && data.pilots.length) {
        const pilotRows = data.pilots.map((row) => [el("td", {}, [row.town]), el("td", {}, [row.name || ""]), numberCell(row.p_revoked, "percent")]);
        const head = [el("th", {}, [s.town]), el("th", {}, [s.name]), el("th", { class: "num" }, [s.p_revoked])];
        output.append(el("h3", {}, [s.pilots_revoked]), table("montecarlo-pilots", [head], pilotRows));
      }
      // the same run drawn: the seed of the answer
      const body = { ...sent, draws: data.draws, seed: data.seed };
      const charts = el("div", { class: "charts" }, [chart(form, "fan", { ...body, chart: "fan" }, true)]);
      if (data.pilots && data.pilots.length) charts.append(chart(form, "pilots", { ...body, chart: "pilots" }, false));
      output.append(charts);
    },
    solve(output, data, form, sent) {
      const s = strings();
      const parameter = Array.from(form.querySelector('select[name="parameter"]').options).find((o) => o.value === data.parameter);
      const target = Array.from(form.querySelector('select[name="target"]').options).find((o) => o.value === data.target);
      const unit = form.dataset.unit;
      const line = fill(s.solved, {
        parameter: parameter ? parameter.textContent : data.parameter,
        value: parameter ? inWords(data.value, parameter.dataset.kind, unit) : plain.format(data.value),
        target: target ? target.textContent : data.target,
        year: data.year,
        metric: inWords(data.metric, target ? target.dataset.kind : "plain", unit),
      });
      output.append(el("p", { class: "solved", id: "solve-result" }, [line]));
      if (!data.exact && data.message) output.append(el("p", { class: "alert warn" }, [s.not_exact + data.message]));
      output.append(solveChart(form, sent, false));
    },
  };

  // the metric against the parameter over the bounds, the solution marked (drawn when out of reach too)
  function solveChart(form, sent, quiet) {
    return el("div", { class: "charts" }, [chart(form, "solve", { ...sent, chart: true }, true, quiet)]);
  }

  document.querySelectorAll("form.api-form").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const output = form.parentNode.querySelector(".api-output");
      const spinner = form.querySelector(".spinner");
      const button = form.querySelector("button[type=submit]");
      output.replaceChildren();
      release(form);
      spinner.hidden = false;
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      try {
        const sent = BODIES[form.dataset.render](form);
        const response = await post(form.dataset.endpoint, sent, "application/json");
        const data = await response.json();
        if (response.ok) {
          RENDERERS[form.dataset.render](output, data, form, sent);
        } else {
          const errors = data.errors || { _schema: [response.statusText] };
          output.append(el("p", { class: "alert error" }, [strings().failed]), errorList(errors));
          // a target out of reach: the curve shows how close the metric comes (nothing when it cannot be drawn)
          if (form.dataset.render === "solve" && response.status === 422 && "target" in errors) {
            output.append(solveChart(form, sent, true));
          }
        }
      } catch (error) {
        output.append(el("p", { class: "alert error" }, [strings().failed + String(error)]));
      } finally {
        spinner.hidden = true;
        button.disabled = false;
        form.removeAttribute("aria-busy");
      }
    });
  });
})();
