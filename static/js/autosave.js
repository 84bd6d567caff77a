/*
 * The self-assessment saves each answer as the provider goes (templates/portal/dossier_assessment.html).
 *
 * Each requirement's card (a [data-answer-url] inside form[data-autosave]) is sent on its own when its status,
 * justification or evidence changes: a choice at once, typing after a pause. One request at a time for the whole page,
 * in the order of the changes; a card changed while its request is out is sent again after it. The card's status line
 * (an aria-live region) says "Saving…", then the server's "Saved at 10:42" or "Not saved: <why>". While a save is
 * waiting, out or failed, leaving the page asks first (beforeunload); what is waiting is sent at once with keepalive.
 *
 * Without JavaScript (or fetch) the chapter's form is an ordinary POST and saves the chapter. No inline script: every
 * text comes from data- attributes of the form, the saved time from the server.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var TYPING_DELAY = 1000;
  var CHOICE_DELAY = 200;
  var KEEPALIVE_LIMIT = 60000; // the browser refuses keepalive bodies over 64 KiB in all
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var states = new Map(); // card -> {timer, waiting, out, failed, sent}
  var queue = Promise.resolve();
  var submitting = false;

  function state(card) {
    if (!states.has(card)) {
      states.set(card, { timer: null, waiting: false, out: false, failed: false, sent: null });
    }
    return states.get(card);
  }

  function body(card) {
    var prefix = card.dataset.prefix + "-";
    var params = new URLSearchParams();
    params.append(prefix + "status", "");
    var fields = card.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i += 1) {
      var field = fields[i];
      if (!field.name || field.name.indexOf(prefix) !== 0 || field.disabled) {
        continue;
      }
      if (field.type === "radio" || field.type === "checkbox") {
        if (!field.checked) {
          continue;
        }
        if (field.name === prefix + "status") {
          params.set(prefix + "status", field.value);
          continue;
        }
      }
      params.append(field.name, field.value);
    }
    return params.toString();
  }

  function say(card, text, tone) {
    var line = card.querySelector("[data-save-status]");
    if (!line) {
      return;
    }
    line.textContent = text;
    line.classList.toggle("text-danger", tone === "error");
    line.classList.toggle("text-body-secondary", tone !== "error");
  }

  function answered(card, yes) {
    var badge = card.querySelector("[data-answered]");
    if (!badge) {
      return;
    }
    badge.textContent = yes ? form.dataset.msgAnswered : form.dataset.msgToAnswer;
    badge.classList.toggle("tcr-outcome-pass", yes);
    badge.classList.toggle("tcr-outcome-missing", !yes);
  }

  function chapter(left) {
    var badge = document.querySelector("[data-chapter-left]");
    if (!badge || !left) {
      return;
    }
    badge.textContent = left.label;
    badge.classList.toggle("text-bg-warning", left.left > 0);
    badge.classList.toggle("text-bg-success", left.left === 0);
  }

  function clearErrors(card) {
    // Saved: the errors the page came back with no longer hold. Their messages go, and nothing points at them.
    var messages = card.querySelectorAll(".invalid-feedback");
    var gone = [];
    for (var i = 0; i < messages.length; i += 1) {
      if (messages[i].id) {
        gone.push(messages[i].id);
      }
      messages[i].parentNode.removeChild(messages[i]);
    }
    var marked = card.querySelectorAll(".is-invalid, [aria-invalid]");
    for (var j = 0; j < marked.length; j += 1) {
      marked[j].classList.remove("is-invalid");
      marked[j].removeAttribute("aria-invalid");
    }
    var described = card.querySelectorAll("[aria-describedby]");
    for (var k = 0; k < described.length; k += 1) {
      var kept = described[k]
        .getAttribute("aria-describedby")
        .split(/\s+/)
        .filter(function (id) {
          return id && gone.indexOf(id) === -1;
        });
      if (kept.length) {
        described[k].setAttribute("aria-describedby", kept.join(" "));
      } else {
        described[k].removeAttribute("aria-describedby");
      }
    }
  }

  function request(card, data, keepalive) {
    return fetch(card.dataset.answerUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
        "X-CSRFToken": token ? token.value : "",
        Accept: "application/json",
      },
      body: data,
      keepalive: keepalive && data.length < KEEPALIVE_LIMIT,
    });
  }

  function failed(card, message) {
    var s = state(card);
    s.failed = true;
    say(card, message, "error");
  }

  function send(card) {
    var s = state(card);
    s.waiting = false;
    var data = body(card);
    if (data === s.sent && !s.failed) {
      return Promise.resolve();
    }
    s.out = true;
    say(card, form.dataset.msgSaving || "…", "info");
    return request(card, data, true)
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (answer) {
            if (response.ok && answer.saved) {
              s.failed = false;
              s.sent = data;
              say(card, answer.saved, "info");
              answered(card, answer.answered);
              chapter(answer.chapter);
              clearErrors(card);
            } else {
              var why = answer.error || response.statusText || String(response.status);
              failed(card, (form.dataset.msgFailed || "%(error)s").replace("%(error)s", why));
            }
          });
      })
      .catch(function () {
        failed(card, form.dataset.msgOffline || "");
      })
      .then(function () {
        s.out = false;
        if (s.waiting && !s.timer) {
          enqueue(card); // changed while its request was out
        }
      });
  }

  function enqueue(card) {
    var s = state(card);
    s.waiting = true;
    if (s.out) {
      return; // sent again when the request that is out comes back
    }
    queue = queue.then(function () {
      if (submitting || !s.waiting) {
        return undefined;
      }
      return send(card);
    });
  }

  function changed(event) {
    var card = event.target.closest ? event.target.closest("[data-answer-url]") : null;
    if (!card || submitting) {
      return;
    }
    var s = state(card);
    s.waiting = true;
    clearTimeout(s.timer);
    var typing = event.type === "input" && event.target.tagName === "TEXTAREA";
    s.timer = setTimeout(
      function () {
        s.timer = null;
        enqueue(card);
      },
      typing ? TYPING_DELAY : CHOICE_DELAY,
    );
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    // The chapter's POST carries every answer: nothing left to save on its own, nothing to warn about.
    submitting = true;
    states.forEach(function (s) {
      clearTimeout(s.timer);
      s.timer = null;
      s.waiting = false;
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting) {
      return undefined;
    }
    var unsaved = false;
    states.forEach(function (s, card) {
      if (s.timer) {
        // A pause not over yet: sent now, and kept alive if the page goes.
        clearTimeout(s.timer);
        s.timer = null;
        s.waiting = false;
        send(card);
      }
      if (s.waiting || s.out || s.failed) {
        unsaved = true;
      }
    });
    if (!unsaved) {
      return undefined;
    }
    event.preventDefault();
    event.returnValue = ""; // older browsers need it to ask
    return "";
  });

  var note = document.querySelector("[data-autosave-note]");
  if (note) {
    note.hidden = false;
  }
})();
