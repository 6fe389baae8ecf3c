/*
 * The removal request's text, from the chosen law, the site and what the person typed.
 *
 * Pure: no page, no storage, no network. The words come from the caller's `t(msgid, params)`
 * (text.js on the page, the English catalog in tests), so the request is in the person's
 * language. Each law's request holds every element that law names:
 * - TAKE IT DOWN Act (47 U.S.C. 223a): a signature; identification of the picture and where
 *   to find it (the links); a good-faith statement that it was published without consent;
 *   a way to contact the person.
 * - EU Digital Services Act, Article 16(2): the exact URLs; an explanation of why it is
 *   illegal; the name and email (not required for child sexual abuse offences); a statement
 *   of good-faith belief that the notice is accurate and complete.
 * - eSafety (Australia): an outline for eSafety's own report form: where it is, and a way to
 *   be contacted (a name is not needed).
 * - DMCA, 17 U.S.C. 512(c)(3)(A): a signature; the copyrighted work; the infringing material
 *   and where it is; contact information; a good-faith statement; a statement that the notice
 *   is accurate and, under penalty of perjury, that the sender owns the copyright or may act
 *   for the owner.
 * A field left empty that the law does not need leaves no empty label behind.
 *
 * What does not belong here: the form on the page and copying, sharing or saving (request.js),
 * the platforms' forms (data/platforms.js, generated from bot/data/platforms.toml).
 */
"use strict";

(function (root) {
  const Reclaim = (root.Reclaim = root.Reclaim || {});

  /** The laws, in the order the page offers them. */
  const LAWS = ["tida", "dsa", "esafety", "dmca"];
  /** Each law's subject line and opening sentence, named in full so the catalog check sees them
   * used (eSafety's report opens with its own sentence, after the date). */
  const SUBJECTS = {
    tida: "web.request.tida.subject",
    dsa: "web.request.dsa.subject",
    esafety: "web.request.esafety.subject",
    dmca: "web.request.dmca.subject",
  };
  const OPENINGS = {
    tida: "web.request.tida.opening",
    dsa: "web.request.dsa.opening",
    dmca: "web.request.dmca.opening",
  };

  /**
   * The boxes each law's form shows, in order: "needed" ones the law asks for, "optional"
   * ones it does not. `minor` is a tick box (DSA: name and email are then not needed).
   */
  const FIELDS = {
    tida: [["links", true], ["what", false], ["more", false], ["contact", true],
      ["signature", true]],
    dsa: [["links", true], ["what", false], ["more", false], ["minor", false], ["name", true],
      ["email", true]],
    esafety: [["links", true], ["what", false], ["more", false], ["name", false],
      ["contact", true]],
    dmca: [["links", true], ["work", false], ["contact", true], ["signature", true]],
  };

  /**
   * The boxes of a law's form, and whether each is needed given what is ticked.
   * @param {string} law
   * @param {Object<string, *>} values
   * @returns {Array<{name: string, required: boolean}>}
   */
  function fields(law, values) {
    const minor = Boolean(values && values.minor);
    return (FIELDS[law] || []).map(([name, required]) => ({
      name,
      required: required && !(law === "dsa" && minor && (name === "name" || name === "email")),
    }));
  }

  /**
   * The links typed, one a line, trimmed, each once.
   * @param {string|string[]} typed
   * @returns {string[]}
   */
  function links(typed) {
    const lines = Array.isArray(typed) ? typed : String(typed || "").split(/\r?\n/);
    return [...new Set(lines.map((line) => line.trim()).filter(Boolean))];
  }

  function text(values, name) {
    const value = values ? values[name] : "";
    return typeof value === "string" ? value.trim() : "";
  }

  /**
   * The needed boxes left empty, in the form's order.
   * @param {string} law
   * @param {Object<string, *>} values
   * @returns {string[]}
   */
  function missing(law, values) {
    return fields(law, values)
      .filter((field) => field.required)
      .filter((field) => (field.name === "links" ? links(values.links).length === 0
        : text(values, field.name) === ""))
      .map((field) => field.name);
  }

  /**
   * Where to send the request: eSafety's own form, the site's form for this law, or "other"
   * (the person looks for it on the site).
   * @param {string} law
   * @param {?{name: string, forms: Object<string, string>}} platform
   * @returns {{kind: string, name?: string, url?: string}}
   */
  function destination(law, platform) {
    if (law === "esafety") return { kind: "esafety" };
    if (!platform) return { kind: "other" };
    const forms = platform.forms || {};
    const order = { tida: ["intimate", "legal"], dsa: ["legal", "intimate"],
      dmca: ["copyright"] }[law] || [];
    const kind = order.find((candidate) => forms[candidate]);
    return kind ? { kind: "form", name: platform.name, url: forms[kind] } : { kind: "other" };
  }

  /**
   * What the person is told beside the request: where it goes aside, what the site must do
   * and what to do next.
   * @param {string} law
   * @param {(msgid: string, params?: Object) => string} t
   * @returns {string[]}
   */
  function guide(law, t) {
    const lines = {
      tida: ["web.request.tida.guide.deadline", "web.request.tida.guide.after"],
      dsa: ["web.request.dsa.guide.name", "web.request.guide.helpline"],
      esafety: ["web.request.esafety.guide.who", "web.request.esafety.guide.where",
        "web.request.esafety.guide.notice"],
      dmca: ["web.request.dmca.guide.own", "web.request.dmca.guide.forward",
        "web.request.guide.helpline"],
    }[law] || [];
    return lines.map((msgid) => t(msgid));
  }

  /**
   * The request: its subject and its whole text (the subject is its first line).
   * @param {string} law one of LAWS
   * @param {Object<string, *>} values what was typed: links (text, one a line, or a list),
   *     what, more, work, name, email, contact, signature (text), minor (boolean)
   * @param {(msgid: string, params?: Object) => string} t
   * @param {?{name: string}} platform the site, or null
   * @param {string} date the day it is written (YYYY-MM-DD)
   * @returns {{subject: string, text: string}}
   */
  function compose(law, values, t, platform, date) {
    if (!LAWS.includes(law)) throw new Error(`unknown law: ${law}`);
    const typed = (name) => text(values, name);
    const blocks = [];
    const block = (...lines) => {
      const kept = lines.filter((line) => line !== null && line !== "");
      if (kept.length) blocks.push(kept.join("\n"));
    };
    const labelled = (msgid, name) => (typed(name) ? t(msgid, { text: typed(name) }) : null);
    const where = links(values.links);
    const subject = t(SUBJECTS[law]);
    const site = platform ? platform.name : null;

    if (law === "esafety") {
      block(subject, date ? t("web.request.date", { date }) : null);
      block(t("web.request.esafety.opening"));
      block(site ? t("web.request.esafety.site", { name: site }) : null);
      block(t("web.request.links"), ...where, labelled("web.request.what", "what"));
      block(labelled("web.request.more", "more"));
      block(labelled("web.request.name", "name"), labelled("web.request.contact", "contact"));
      return { subject, text: blocks.join("\n\n") };
    }

    block(subject, site ? t("web.request.to", { name: site }) : null,
      date ? t("web.request.date", { date }) : null);
    block(t(OPENINGS[law]));
    if (law === "tida") {
      block(t("web.request.tida.identify"), ...where, labelled("web.request.what", "what"));
      block(t("web.request.tida.good_faith"), labelled("web.request.more", "more"));
      block(t("web.request.tida.deadline"));
      block(labelled("web.request.contact", "contact"), labelled("web.request.signed", "signature"));
    } else if (law === "dsa") {
      block(t("web.request.dsa.urls"), ...where, labelled("web.request.what", "what"));
      block(t("web.request.dsa.explanation"), values.minor ? t("web.request.dsa.minor") : null,
        labelled("web.request.more", "more"));
      block(labelled("web.request.name", "name"), labelled("web.request.email", "email"));
      block(t("web.request.dsa.good_faith"));
    } else {
      block(t("web.request.dmca.work"), labelled("web.request.dmca.about", "work"));
      block(t("web.request.dmca.material"), ...where);
      block(t("web.request.dmca.good_faith"));
      block(t("web.request.dmca.accurate"));
      block(labelled("web.request.contact", "contact"), labelled("web.request.signed", "signature"));
    }
    return { subject, text: blocks.join("\n\n") };
  }

  Reclaim.requests = { LAWS, fields, links, missing, destination, guide, compose };
  if (typeof module !== "undefined") module.exports = Reclaim.requests;
})(typeof self !== "undefined" ? self : globalThis);
