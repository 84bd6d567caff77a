// A page that comes back with form errors moves the keyboard focus to its error summary (templates/_error_summary.html),
// so that a screen reader reads it and the next Tab reaches the first link to a field in error.
"use strict";
(function () {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
