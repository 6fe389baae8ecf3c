/*
 * Copying a text from a page: the Clipboard API where the browser allows it, else the text's
 * element selected and copied the old way, and if that fails too, left selected so it can be
 * copied by hand. Beside the buttons, one status line (a live region) says how it went.
 *
 * What belongs here: copying and its status line, shared by the hash page (app.js) and the
 * request composer (request.js). What does not: the words (each page passes its own) and what
 * is copied.
 */
"use strict";

(function (root) {
  /** Select everything inside `element`. */
  function selectContents(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = root.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /**
   * Put `text` on the clipboard; `source` is the element showing it.
   * @param {string} text
   * @param {Element} source
   * @returns {Promise<boolean>} whether it was copied (if not, `source` is left selected)
   */
  async function copyText(text, source) {
    let copied = false;
    try {
      if (navigator.clipboard && root.isSecureContext) {
        await navigator.clipboard.writeText(text);
        copied = true;
      }
    } catch (error) {
      copied = false;
    }
    if (!copied) {
      selectContents(source);
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
    }
    if (!copied) selectContents(source);
    return copied;
  }

  /**
   * Say how a copy (or a save) went, in the status line of `actions` (made on first use).
   * @param {Element} actions the buttons' container
   * @param {string} words
   * @param {boolean} ok
   */
  function showStatus(actions, words, ok) {
    let line = actions.querySelector(".copy-status");
    if (!line) {
      line = document.createElement("p");
      line.className = "copy-status";
      line.setAttribute("role", "status");
      actions.appendChild(line);
    }
    line.textContent = words;
    line.classList.toggle("failed", !ok);
  }

  root.Reclaim = root.Reclaim || {};
  root.Reclaim.clipboard = { copyText, showStatus, selectContents };
})(self);
