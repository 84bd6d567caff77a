// "Add another" for the portal's formsets (templates/portal/_formset.html): sites, third parties, shareholders.
// Without this script the page offers a few empty rows and a "Remove" box per row; with it, an "Add another" button
// copies the empty row (Django's empty_form, kept in a <template>), counts it in the management form's TOTAL_FORMS,
// moves the focus to its first field and says so in a live region; "Remove" ticks the row's DELETE box and hides it.
(function () {
  "use strict";

  function setup(box) {
    var prefix = box.getAttribute("data-prefix");
    var total = box.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var max = box.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var rows = box.querySelector("[data-formset-rows]");
    var template = box.querySelector("template[data-formset-empty]");
    var add = box.querySelector("[data-formset-add]");
    var status = box.querySelector("[data-formset-status]");
    if (!total || !rows || !template || !add || !status) return;

    function announce(text) {
      // Emptied first so that the same sentence twice is read twice.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function wire(row) {
      var tick = row.querySelector("[data-formset-delete]");
      var remove = row.querySelector("[data-formset-remove]");
      if (!tick || !remove) return;
      var tickBox = tick.closest("[data-formset-delete-box]");
      if (tickBox) tickBox.hidden = true;
      remove.hidden = false;
      if (tick.checked) row.hidden = true; // removed before the page came back with errors
      remove.addEventListener("click", function () {
        tick.checked = true;
        row.hidden = true;
        announce(remove.getAttribute("data-removed"));
        add.focus();
      });
    }

    rows.querySelectorAll("[data-formset-row]").forEach(wire);
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) return;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index)).trim();
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      wire(row);
      var first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
      if (first) first.focus();
      announce(add.getAttribute("data-added"));
    });
  }

  document.querySelectorAll("[data-formset]").forEach(setup);
})();
