/*
 * The companion page: the files a person chooses, each file's progress and outcome, the
 * summary and the hash code with its copy buttons.
 *
 * What belongs here: the page's behaviour and the words it shows for results (the same
 * meanings as bot/companion/report.py). What does not: hashing (worker.js, which this page
 * talks to by the worker protocol), what goes into the code (code.js), choosing and loading
 * words (text.js), Telegram (miniapp.js, which joins in through Reclaim.hooks).
 */
"use strict";

(function (root) {
  const Reclaim = (root.Reclaim = root.Reclaim || {});
  const hooks = (Reclaim.hooks = Reclaim.hooks || { codeReady: [], reset: [], ready: [] });
  const { t } = Reclaim.i18n;
  const code = Reclaim.code;
  const $ = (id) => document.getElementById(id);

  const ERRORS = ["empty", "damaged", "truncated", "too_large", "read_error"];
  const IOS = /iPhone|iPad|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);

  /** @type {Array<{id: number, file: File, row: HTMLElement, bar: HTMLProgressElement,
   *               status: HTMLElement, extra: HTMLElement, result: ?Object}>} */
  let entries = [];
  let nextId = 1;
  let worker = null;
  let workerAnswered = false;

  // The worker starts as the page loads, so the page keeps working once it is offline.
  try {
    worker = new Worker("worker.js");
    worker.onmessage = (event) => onMessage(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      onWorkerError();
    };
  } catch (error) {
    worker = null;
  }

  function start() {
    Reclaim.i18n.apply();
    if (worker === null) showNoWorker();
    $("file-input").addEventListener("change", onChoose);
    $("start-over").addEventListener("click", startOver);
    $("include-other").addEventListener("change", showCode);
    $("copy").addEventListener("click", (event) =>
      copy($("hash-code").textContent, $("hash-code"), event.currentTarget),
    );
    $("heic-note").hidden = !IOS;
    document.body.dataset.state = "ready";
    for (const ready of hooks.ready) ready();
  }

  function showNoWorker() {
    $("no-worker").hidden = false;
  }

  function onWorkerError() {
    if (!workerAnswered) {
      // It never answered: it could not start (missing, or blocked). Files get told at once.
      worker.terminate();
      worker = null;
      showNoWorker();
      for (const entry of entries) if (!entry.result) finish(entry, failed("read_error"));
      return;
    }
    // A file the worker could not get through: it is the oldest one still waiting.
    const waiting = entries.find((entry) => !entry.result);
    if (waiting) finish(waiting, failed("read_error"));
  }

  function failed(error) {
    return { kind: "other", md5: null, pdq: null, quality: null, phash: null, dhash: null,
      note: null, error, width: null, height: null };
  }

  function onChoose(event) {
    const input = event.currentTarget;
    const files = Array.from(input.files || []);
    input.value = "";
    if (!files.length) return;
    $("files").hidden = false;
    $("result").hidden = true;
    clearCode(); // the old code must not stay, or be sent, for a list that has grown
    document.body.dataset.state = "hashing";
    for (const file of files) add(file);
    $("choose-label").textContent = t("web.choose_more");
    $("start-over").hidden = false;
    $("adds-hint").hidden = false;
    if (files.some((file) => /\.(heic|heif)$/i.test(file.name))) $("heic-note").hidden = false;
    updateProgress();
  }

  function add(file) {
    const id = nextId++;
    const row = document.createElement("li");
    row.className = "file waiting";
    const name = document.createElement("span");
    name.className = "name";
    name.id = `file-${id}`;
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-labelledby", name.id);
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = t("web.file.waiting");
    const extra = document.createElement("span");
    extra.className = "status extra";
    extra.hidden = true;
    row.append(name, bar, status, extra);
    $("file-list").appendChild(row);
    const entry = { id, file, row, bar, status, extra, result: null };
    entries.push(entry);
    if (worker === null) finish(entry, failed("read_error"));
    else worker.postMessage({ type: "hash", id, file });
  }

  function onMessage(message) {
    workerAnswered = true;
    if (!message || typeof message !== "object") return;
    const entry = entries.find((candidate) => candidate.id === message.id);
    if (!entry || entry.result) return; // a file from before "start over"
    if (message.type === "progress") {
      entry.bar.value = Math.max(0, Math.min(1, Number(message.fraction) || 0));
      entry.row.className = "file working";
      entry.status.textContent = t("web.file.working");
    } else if (message.type === "result") {
      finish(entry, message.result || failed("read_error"));
    }
  }

  function finish(entry, result) {
    entry.result = result;
    entry.bar.value = 1;
    const [outcome, words] = describe(result);
    entry.row.className = `file ${outcome}`;
    entry.status.textContent = words;
    if (result.note === "heic_not_decoded") $("heic-note").hidden = false;
    updateProgress();
    if (entries.every((candidate) => candidate.result)) showCode();
  }

  /**
   * What happened to one file, in the same meanings as report.py's file lines.
   * @returns {[string, string]} the outcome ("ok", "note" or "skip") and its words
   */
  function describe(result) {
    if (result.error) {
      return ["skip", t(`web.error.${ERRORS.includes(result.error) ? result.error : "read_error"}`)];
    }
    switch (result.note) {
      case "low_quality":
        return ["note", t("web.file.low_quality", { quality: result.quality })];
      case "blank":
        return ["note", t("web.file.blank")];
      case "not_media":
        return ["note", t("web.file.not_media")];
      case "heic_not_decoded":
        return ["note", t("web.file.heic")];
    }
    if (result.kind === "image") return ["ok", t("web.file.image")];
    if (result.kind === "video") return ["ok", t("web.file.video")];
    return ["note", t("web.file.not_media")];
  }

  function updateProgress() {
    const done = entries.filter((entry) => entry.result).length;
    $("progress").textContent = t("web.progress", { done, total: entries.length });
  }

  function startOver() {
    entries = [];
    $("file-list").replaceChildren();
    $("files").hidden = true;
    $("result").hidden = true;
    $("start-over").hidden = true;
    $("adds-hint").hidden = true;
    $("heic-note").hidden = !IOS;
    $("include-other").checked = false;
    $("choose-label").textContent = t("web.choose");
    clearCode();
    document.body.dataset.state = "ready";
    $("choose-label").focus();
  }

  function clearCode() {
    $("hash-code").textContent = "";
    $("summary").replaceChildren();
    $("instructions").replaceChildren();
    $("parts").replaceChildren();
    $("send-note").hidden = true;
    for (const status of document.querySelectorAll(".copy-status")) status.remove();
    const whole = $("whole");
    const details = whole.closest("details");
    if (details) details.replaceWith(whole);
    for (const reset of hooks.reset) reset();
  }

  function paragraphs(container, lines) {
    container.replaceChildren(
      ...lines.map((line) => {
        const p = document.createElement("p");
        p.textContent = line;
        return p;
      }),
    );
  }

  function summaryLines(results, contents) {
    const done = results.filter((result) => !result.error).length;
    const failedCount = results.length - done;
    const lines = [];
    if (failedCount === 0) {
      lines.push(done > 1 ? t("web.summary.all", { count: done }) : t("web.summary.one"));
    } else if (done === 0) lines.push(t("web.summary.none"));
    else lines.push(t("web.summary.some", { done, total: results.length, failed: failedCount }));
    const copies = contents.copyOf.size;
    if (copies) lines.push(copies === 1 ? t("web.summary.copy") : t("web.summary.copies", { count: copies }));
    const left = contents.leftOut.size;
    if (left) {
      lines.push(left === 1 ? t("web.summary.left_out_one") : t("web.summary.left_out", { count: left }));
    }
    return lines;
  }

  function instructions(parts) {
    if (parts.length === 1) return [t("web.paste.one"), t("web.paste.one_only")];
    const cases = parts[0].cases;
    if (cases === 1) {
      return [t("web.paste.parts", { parts: parts.length }), t("web.paste.each"),
        t("web.paste.same_case"), t("web.paste.parts_only")];
    }
    return [t("web.paste.cases", { max: code.ITEMS_PER_CASE, cases }), t("web.paste.each"),
      t("web.paste.case_order"), t("web.paste.parts_only")];
  }

  /**
   * Words about one part, in the shape its place needs: `onePart` when the code is one case,
   * `oneCase` when its case is one part, else `casePart` (msgids, each filled from the part).
   */
  function partWords(part, [onePart, oneCase, casePart]) {
    if (part.cases === 1) return t(onePart, part);
    if (part.parts === 1) return t(oneCase, part);
    return t(casePart, part);
  }

  /** The line above one part (report.py's part_heading). */
  function heading(part) {
    return partWords(part, ["web.part", "web.case", "web.case_part"]);
  }

  function showCode() {
    if (!entries.length || !entries.every((entry) => entry.result)) return;
    clearCode();
    const results = entries.map((entry) => entry.result);
    const allFiles = $("include-other").checked;
    const contents = code.codeContents(results, allFiles);
    entries.forEach((entry, index) => {
      entry.status.textContent = contents.leftOut.has(index)
        ? t("web.file.left_out")
        : describe(entry.result)[1];
      const original = contents.copyOf.get(index);
      const words =
        original === undefined ? "" : t("web.file.copy_of", { name: entries[original].file.name });
      entry.extra.textContent = words;
      entry.extra.hidden = !words;
    });
    paragraphs($("summary"), summaryLines(results, contents));
    $("include-other-row").hidden = !results.some((r) => r.kind === "other" && !r.error);
    const parts = contents.items.length ? code.codeParts(contents.items) : [];
    const hasCode = parts.length > 0;
    for (const id of ["code-heading", "instructions", "whole"]) $(id).hidden = !hasCode;
    $("result").hidden = false;
    document.body.dataset.state = "done";
    if (!hasCode) return;
    paragraphs($("instructions"), instructions(parts));
    $("hash-code").textContent = parts.map((part) => part.text).join("\n\n");
    const actions = [];
    if (parts.length === 1) {
      $("copy").textContent = t("web.copy");
      actions.push($("whole").querySelector(".actions"));
    } else {
      // The files each item came from, so each part can say which files it holds.
      const sources = results
        .map((result, index) => index)
        .filter((index) => code.itemOf(results[index]) !== null &&
          !contents.leftOut.has(index) && !contents.copyOf.has(index));
      let start = 0;
      for (const part of parts) {
        const names = sources.slice(start, start + part.count).map((i) => entries[i].file.name);
        start += part.count;
        actions.push(showPart(part, names));
      }
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = t("web.all_parts");
      const whole = $("whole");
      whole.replaceWith(details);
      details.append(summary, whole);
      $("copy").textContent = t("web.copy_all");
    }
    for (const ready of hooks.codeReady) ready(parts, actions);
    document.body.dataset.state = "done";
  }

  function showPart(part, names) {
    const article = document.createElement("article");
    article.className = "part";
    const title = document.createElement("h3");
    title.textContent = heading(part);
    const files = document.createElement("p");
    files.className = "hint part-files";
    files.textContent = t("web.part_files", { names: names.join(", ") });
    const pre = document.createElement("pre");
    pre.className = "part-code";
    pre.tabIndex = 0;
    pre.textContent = part.text;
    const actions = document.createElement("div");
    actions.className = "actions";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button primary big";
    button.textContent = t("web.copy_part");
    button.addEventListener("click", () => copy(part.text, pre, button));
    actions.appendChild(button);
    article.append(title, files, pre, actions);
    $("parts").appendChild(article);
    return actions;
  }

  /** Copy a part's code, and say how it went beside its buttons (clipboard.js). */
  async function copy(text, source, button) {
    const copied = await Reclaim.clipboard.copyText(text, source);
    Reclaim.clipboard.showStatus(
      button.closest(".actions"),
      copied ? t("web.copied") : t("web.copy_failed"),
      copied,
    );
    button.classList.toggle("done", copied);
  }

  Reclaim.page = { entries: () => entries, copy, partWords };
  Reclaim.i18n.load(start);
})(self);
