// Tables shown as cards on a phone (.table-stack in css/site.css) change their cells' CSS display, and some browsers
// then stop exposing them as a table to screen readers. Restating the roles keeps the rows, cells and headers
// announced at every width (as recommended by Adrian Roselli, "Tables, CSS Display Properties, and ARIA").
(function () {
  "use strict";
  function restate(table) {
    table.setAttribute("role", "table");
    table.querySelectorAll("thead, tbody, tfoot").forEach(function (group) { group.setAttribute("role", "rowgroup"); });
    table.querySelectorAll("tr").forEach(function (row) { row.setAttribute("role", "row"); });
    table.querySelectorAll("td").forEach(function (cell) { cell.setAttribute("role", "cell"); });
    table.querySelectorAll("thead th").forEach(function (cell) { cell.setAttribute("role", "columnheader"); });
    table.querySelectorAll("tbody th").forEach(function (cell) { cell.setAttribute("role", "rowheader"); });
  }
  document.querySelectorAll("table.table-stack").forEach(restate);
})();
