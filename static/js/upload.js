/*
 * Upload progress for the portal's document forms (form[data-upload]).
 *
 * Without JavaScript, or when no file is chosen, the form is an ordinary POST. With a file, it is sent with
 * XMLHttpRequest so that a progress bar can show what has been sent; the page stays usable and the upload can be
 * cancelled. The server answers {"redirect": url} when the upload is saved, or the page with the form and its errors,
 * whose form replaces this one. No inline script: every text comes from data- attributes of the form.
 */
(function () {
  "use strict";

  function formatBytes(bytes) {
    var units = ["B", "KB", "MB", "GB"];
    var i = 0;
    while (bytes >= 1024 && i < units.length - 1) {
      bytes /= 1024;
      i += 1;
    }
    return (i === 0 ? bytes : bytes.toFixed(1)) + " " + units[i];
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  function chosenFile(form) {
    var inputs = form.querySelectorAll('input[type="file"]');
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].files && inputs[i].files.length) {
        return { input: inputs[i], file: inputs[i].files[0] };
      }
    }
    return null;
  }

  function showError(form, text) {
    var box = form.querySelector("[data-upload-error]");
    if (box) {
      box.textContent = text;
      box.hidden = !text;
    }
  }

  function setBusy(form, busy) {
    var buttons = form.querySelectorAll("[data-upload-submit]");
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].disabled = busy;
    }
    var panel = form.querySelector("[data-upload-progress]");
    if (panel) {
      panel.hidden = !busy;
    }
  }

  function replaceForm(form, html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = form.id ? page.getElementById(form.id) : null;
    if (!fresh) {
      return false;
    }
    var adopted = document.importNode(fresh, true);
    form.parentNode.replaceChild(adopted, form);
    bind(adopted);
    // The form's error summary takes the focus, as on a page that comes back with errors (error-summary.js).
    var summary = adopted.querySelector("[data-error-summary]");
    var invalid = adopted.querySelector(".is-invalid, .alert-danger");
    if (summary) {
      summary.focus();
    } else if (invalid) {
      invalid.scrollIntoView({ block: "center" });
    }
    return true;
  }

  function send(form, chosen) {
    var bar = form.querySelector("[data-upload-progress] progress");
    var status = form.querySelector("[data-upload-status]");
    var cancel = form.querySelector("[data-upload-cancel]");
    var xhr = new XMLHttpRequest();

    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");

    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) {
        return;
      }
      var percent = Math.floor((event.loaded / event.total) * 100);
      if (bar) {
        bar.value = percent;
      }
      if (status) {
        status.textContent = fill(form.dataset.msgProgress || "{percent}", {
          percent: percent + " %",
          loaded: formatBytes(event.loaded),
          total: formatBytes(event.total),
        });
      }
    });
    xhr.upload.addEventListener("load", function () {
      if (bar) {
        bar.removeAttribute("value"); // indeterminate while the server checks the file
      }
      if (status) {
        status.textContent = form.dataset.msgProcessing || "";
      }
    });
    xhr.addEventListener("load", function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.status === 200 && type.indexOf("application/json") === 0) {
        var answer = JSON.parse(xhr.responseText);
        window.location.assign(answer.redirect);
        return;
      }
      setBusy(form, false);
      if (xhr.status === 200 && type.indexOf("text/html") === 0 && replaceForm(form, xhr.responseText)) {
        return;
      }
      showError(form, form.dataset.msgFailed || "Upload failed.");
    });
    xhr.addEventListener("error", function () {
      setBusy(form, false);
      showError(form, form.dataset.msgFailed || "Upload failed.");
    });
    xhr.addEventListener("abort", function () {
      setBusy(form, false);
      showError(form, form.dataset.msgCancelled || "Upload cancelled.");
    });
    if (cancel) {
      cancel.onclick = function () {
        xhr.abort();
      };
    }

    showError(form, "");
    if (bar) {
      bar.value = 0;
    }
    setBusy(form, true);
    xhr.send(new FormData(form));
  }

  function bind(form) {
    if (!window.FormData || !window.XMLHttpRequest || !window.DOMParser) {
      return; // the ordinary POST
    }
    form.addEventListener("submit", function (event) {
      var chosen = chosenFile(form);
      if (!chosen) {
        return; // nothing to upload: the ordinary POST
      }
      event.preventDefault();
      var limit = parseInt(form.dataset.maxBytes || "0", 10);
      if (limit && chosen.file.size > limit) {
        // Refused before sending megabytes for nothing; the server checks the limit again in any case.
        showError(form, form.dataset.msgTooBig || "");
        chosen.input.focus();
        return;
      }
      send(form, chosen);
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-upload]");
    for (var i = 0; i < forms.length; i += 1) {
      bind(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
