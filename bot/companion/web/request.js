/*
 * The removal-request composer page: the law and the site, the boxes that law asks for, and
 * the written request with its copy, share and save buttons.
 *
 * Nothing typed leaves the page: there is no network (the page's policy says connect-src
 * 'none'), nothing is stored (no cookies, localStorage, sessionStorage or IndexedDB), and only
 * the law, the site and the language may come in the address's fragment
 * (request.html#lang=de&law=dsa&platform=instagram), never a link or a detail. Sharing hands
 * the text alone to the device's share sheet; saving makes the file in the page (a Blob).
 *
 * What belongs here: the page's behaviour. What does not: the request's words (requests.js),
 * choosing and loading words (text.js), Telegram's colours (miniapp.js, on the Mini App entry).
 */
"use strict";

(function (root) {
  const Reclaim = (root.Reclaim = root.Reclaim || {});
  const requests = Reclaim.requests;
  const { t } = Reclaim.i18n;
  const $ = (id) => document.getElementById(id);
  const BOXES = ["links", "what", "work", "more", "minor", "name", "email", "contact",
    "signature"];
  const LABELS = { links: "web.request.field.links", what: "web.request.field.what",
    work: "web.request.field.work", more: "web.request.field.more",
    name: "web.request.field.name", email: "web.request.field.email",
    contact: "web.request.field.contact", signature: "web.request.field.signature" };
  const chosen = new URLSearchParams(root.location.hash.replace(/^#/, ""));
  let composed = null;

  function platforms() {
    return Array.isArray(Reclaim.platforms) ? Reclaim.platforms : [];
  }

  function platform() {
    return platforms().find((candidate) => candidate.key === $("platform").value) || null;
  }

  function law() {
    const checked = document.querySelector("input[name=law]:checked");
    return checked ? checked.value : null;
  }

  function values() {
    const typed = {};
    for (const name of BOXES) {
      const box = $(name);
      typed[name] = box.type === "checkbox" ? box.checked : box.value;
    }
    return typed;
  }

  function languageName(code) {
    const tag = code.replace("_", "-");
    try {
      return new Intl.DisplayNames([tag], { type: "language" }).of(tag) || code;
    } catch (error) {
      return code;
    }
  }

  function fillLanguages() {
    const select = $("language");
    const current = (Reclaim.text && Reclaim.text.lang) || "en";
    const listed = Reclaim.languages || ["en"];
    select.replaceChildren(...listed.map((code) => {
      const option = document.createElement("option");
      option.value = code;
      option.textContent = languageName(code);
      option.lang = code.replace("_", "-");
      option.selected = code.replace("_", "-") === current;
      return option;
    }));
  }

  function fillPlatforms() {
    const select = $("platform");
    const before = select.value || chosen.get("platform") || "";
    const options = platforms().map((entry) => {
      const option = document.createElement("option");
      option.value = entry.key;
      option.textContent = entry.name;
      return option;
    });
    const other = document.createElement("option");
    other.value = "";
    other.textContent = t("web.request.platform.other");
    select.replaceChildren(...options, other);
    select.value = platforms().some((entry) => entry.key === before) ? before : "";
  }

  /** Words on the page, in the chosen language (again after the language changes). */
  function words() {
    Reclaim.i18n.apply();
    document.title = t("web.request.title");
    fillLanguages();
    fillPlatforms();
    showFields();
    if (composed) compose(false);
  }

  /** Show the boxes the chosen law asks for, each marked when it can be left empty. */
  function showFields() {
    const current = law();
    $("details").hidden = current === null;
    if (current === null) return;
    const wanted = new Map(requests.fields(current, values()).map((f) => [f.name, f.required]));
    for (const row of document.querySelectorAll("[data-field]")) {
      const name = row.dataset.field;
      row.hidden = !wanted.has(name);
      const box = $(name);
      if (name === "minor") continue;
      const required = wanted.get(name) === true;
      box.required = required;
      box.setAttribute("aria-required", String(required));
      const label = row.querySelector("label");
      label.textContent = t(LABELS[name]);
      if (wanted.has(name) && !required) {
        const optional = document.createElement("span");
        optional.className = "optional";
        optional.textContent = ` ${t("web.request.optional")}`;
        label.appendChild(optional);
      }
    }
  }

  function compose(focus) {
    const current = law();
    if (current === null) return;
    const typed = values();
    const empty = requests.missing(current, typed);
    const alert = $("missing");
    if (empty.length) {
      alert.textContent = t("web.request.missing", {
        fields: empty.map((name) => t(LABELS[name])).join(", "),
      });
      alert.hidden = false;
      $("result").hidden = true;
      composed = null;
      if (focus) $(empty[0]).focus();
      document.body.dataset.state = "missing";
      return;
    }
    alert.hidden = true;
    const date = new Date();
    const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()]
      .map((n) => String(n).padStart(2, "0")).join("-");
    composed = requests.compose(current, typed, t, platform(), day);
    $("request-text").textContent = composed.text;
    showSend(requests.destination(current, platform()));
    $("guide").replaceChildren(...requests.guide(current, t).map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    }));
    for (const status of document.querySelectorAll(".copy-status")) status.remove();
    $("share").hidden = typeof navigator.share !== "function";
    $("result").hidden = false;
    if (focus) $("result-heading").focus();
    document.body.dataset.state = "done";
  }

  function showSend(where) {
    const line = $("send");
    if (where.kind === "form") {
      const link = document.createElement("a");
      link.href = where.url;
      link.textContent = where.url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      link.dir = "ltr";
      line.replaceChildren(`${t("web.request.send_to", { name: where.name })} `, link);
    } else if (where.kind === "esafety") {
      line.textContent = t("web.request.send_esafety");
    } else {
      line.textContent = t("web.request.send_other");
    }
  }

  function status(words, ok) {
    Reclaim.clipboard.showStatus($("copy").closest(".actions"), words, ok);
  }

  async function copy() {
    if (!composed) return;
    const copied = await Reclaim.clipboard.copyText(composed.text, $("request-text"));
    status(t(copied ? "web.request.copied" : "web.request.copy_failed"), copied);
  }

  async function share() {
    if (!composed || typeof navigator.share !== "function") return;
    try {
      await navigator.share({ title: composed.subject, text: composed.text });
    } catch (error) {
      // Closed without sharing, or not allowed here: the copy and save buttons still work.
    }
  }

  function save() {
    if (!composed) return;
    const blob = new Blob([composed.text + "\n"], { type: "text/plain;charset=utf-8" });
    const address = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = address;
    link.download = "removal-request.txt";
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(address), 10_000);
    status(t("web.request.saved"), true);
  }

  function clear() {
    for (const name of BOXES) {
      const box = $(name);
      if (box.type === "checkbox") box.checked = false;
      else box.value = "";
    }
    composed = null;
    $("request-text").textContent = "";
    $("result").hidden = true;
    $("missing").hidden = true;
    showFields();
    $("links").focus();
    document.body.dataset.state = "ready";
  }

  function changeLanguage() {
    const code = $("language").value;
    const before = Reclaim.text;
    Reclaim.text = undefined;
    Reclaim.i18n.load(() => {
      if (!Reclaim.text) Reclaim.text = before;
      words();
    }, `lang=${code}`);
  }

  function start() {
    const asked = chosen.get("law");
    if (asked && requests.LAWS.includes(asked)) $(`law-${asked}`).checked = true;
    words();
    for (const radio of document.querySelectorAll("input[name=law]")) {
      radio.addEventListener("change", () => {
        showFields();
        if (composed) compose(false);
      });
    }
    $("minor").addEventListener("change", showFields);
    $("language").addEventListener("change", changeLanguage);
    $("platform").addEventListener("change", () => composed && compose(false));
    $("request-form").addEventListener("submit", (event) => {
      event.preventDefault();
      compose(true);
    });
    $("clear").addEventListener("click", clear);
    $("copy").addEventListener("click", copy);
    $("share").addEventListener("click", share);
    $("save").addEventListener("click", save);
    $("result-heading").tabIndex = -1;
    document.body.dataset.state = "ready";
  }

  Reclaim.request = { values, compose: () => compose(false) };
  Reclaim.i18n.load(start, chosen.has("lang") ? `lang=${chosen.get("lang")}` : undefined);
})(self);
