// fiscal-sim API docs: renders /api/v1/openapi.json as a list of operations, each with a "try it" form.
// Self-contained on purpose (no CDN): the bureaus' networks are often closed.
"use strict";

(function () {
  const root = document.getElementById("operations");
  const METHODS = ["get", "post", "put", "delete"];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function resolveRef(spec, obj) {
    if (!obj || !obj.$ref) return obj;
    return obj.$ref.replace(/^#\//, "").split("/").reduce((o, k) => (o ? o[k] : undefined), spec);
  }

  function exampleBody(spec, op) {
    const body = resolveRef(spec, op.requestBody);
    const media = body && body.content && body.content["application/json"];
    if (!media) return null;
    if (media.example !== undefined) return JSON.stringify(media.example, null, 2);
    return "{}";
  }

  async function showResponse(out, response) {
    out.replaceChildren();
    const type = response.headers.get("Content-Type") || "";
    out.append(el("div", { class: "status " + (response.ok ? "ok" : "bad") }, `${response.status} ${response.statusText}  ·  ${type}`));
    if (type.startsWith("application/json")) {
      const text = await response.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON after all */ }
      out.append(el("pre", { class: "body" }, shown.length > 200000 ? shown.slice(0, 200000) + "\n…" : shown));
    } else if (type.startsWith("image/")) {
      const url = URL.createObjectURL(await response.blob());
      out.append(el("img", { class: "chart", src: url, alt: "chart" }));
    } else if (type.startsWith("text/")) {
      const blob = await response.blob();
      out.append(el("a", { href: URL.createObjectURL(blob), download: "data.csv" }, "download"));
      out.append(el("pre", { class: "body" }, await blob.text()));
    } else if (response.status !== 204) {
      const url = URL.createObjectURL(await response.blob());
      out.append(el("a", { href: url, download: "fiscal-sim.xlsx" }, "download the file"));
    }
  }

  function operation(spec, path, method, op) {
    const params = (op.parameters || []).map((p) => resolveRef(spec, p));
    const pathNames = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const form = el("form", { class: "try" });
    const inputs = {};
    for (const name of pathNames) {
      inputs["path:" + name] = el("input", { type: "text", name, placeholder: name === "scenario_id" ? "baseline" : name });
      form.append(el("label", {}, `${name} (path)`, el("br"), inputs["path:" + name]));
    }
    for (const p of params.filter((p) => p.in === "query" || p.in === "header")) {
      inputs[p.in + ":" + p.name] = el("input", { type: "text", name: p.name });
      form.append(el("label", {}, `${p.name} (${p.in}${p.required ? ", required" : ""})`, el("br"), inputs[p.in + ":" + p.name]));
    }
    const example = exampleBody(spec, op);
    let textarea = null;
    if (example !== null) {
      textarea = el("textarea", { name: "body", spellcheck: "false" });
      textarea.value = example;
      form.append(el("label", {}, "JSON body"), textarea);
    }
    const out = el("div", { class: "response" });
    form.append(el("button", { type: "submit" }, "Send"), out);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let url = path;
      for (const name of pathNames) url = url.replace(`{${name}}`, encodeURIComponent(inputs["path:" + name].value || "baseline"));
      const query = new URLSearchParams();
      const headers = {};
      for (const [key, input] of Object.entries(inputs)) {
        const [where, name] = key.split(":");
        if (!input.value) continue;
        if (where === "query") query.append(name, input.value);
        if (where === "header") headers[name] = input.value;
      }
      if ([...query].length) url += "?" + query.toString();
      const init = { method: method.toUpperCase(), headers };
      if (textarea) {
        init.body = textarea.value;
        headers["Content-Type"] = "application/json";
      }
      out.replaceChildren(el("div", { class: "status" }, "…"));
      try {
        await showResponse(out, await fetch(url, init));
      } catch (error) {
        out.replaceChildren(el("div", { class: "status bad" }, String(error)));
      }
    });
    return el(
      "details", { class: "op" },
      el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()), el("span", { class: "path" }, path),
        el("span", { class: "summary" }, op.summary || "")),
      op.description ? el("div", { class: "desc" }, op.description) : null,
      form,
    );
  }

  async function main() {
    let spec;
    try {
      const response = await fetch(root.dataset.specUrl);
      spec = await response.json();
    } catch (error) {
      root.replaceChildren(el("p", { class: "bad" }, "Could not load the OpenAPI document: " + error));
      return;
    }
    document.getElementById("version").textContent = spec.info ? spec.info.version : "";
    const byTag = new Map((spec.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const method of METHODS) {
        if (!item[method]) continue;
        const tag = (item[method].tags || ["other"])[0];
        if (!byTag.has(tag)) byTag.set(tag, { tag: { name: tag }, ops: [] });
        byTag.get(tag).ops.push(operation(spec, path, method, item[method]));
      }
    }
    root.replaceChildren();
    for (const { tag, ops } of byTag.values()) {
      if (!ops.length) continue;
      root.append(el("section", { class: "tag" }, el("h2", {}, tag.name, tag.description ? ` — ${tag.description}` : ""), ...ops));
    }
  }

  main();
})();
