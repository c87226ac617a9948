/* The unit box of the administrator's forms (templates/_macros/unit_picker.html): while typing a code or
   words of a name, list the matching units (from the units.picker JSON view) and fill the box with the
   chosen unit's code. Without JavaScript the "Tìm đơn vị" button lists the same matches on the page. */
(function () {
  "use strict";

  var DELAY_MS = 250;

  function setup(box) {
    var input = document.getElementById(box.getAttribute("data-unit-picker-input"));
    var picked = document.getElementById(input.id + "-picked");
    var url = box.getAttribute("data-unit-picker");
    if (!input || !url) { return; }
    var list = document.createElement("ul");
    list.className = "unit-picker-list";
    list.id = input.id + "-matches";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Đơn vị khớp");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    var timer = null;
    var active = -1;
    var asked = "";

    function close() {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(match) {
      input.value = match.code;
      picked.replaceChildren(document.createTextNode("Đang chọn: "));
      var name = document.createElement("strong");
      name.textContent = match.name;
      picked.appendChild(name);
      picked.appendChild(document.createTextNode(" (" + match.code + ")" + (match.path !== match.name ? " · " + match.path : "")));
      // A choice made here replaces any listed by the server (a checked radio would win on saving).
      box.querySelectorAll(".unit-picker-matches").forEach(function (set) { set.remove(); });
      close();
      input.focus();
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function show(data) {
      list.replaceChildren();
      active = -1;
      if (!data.matches.length) {
        var none = document.createElement("li");
        none.className = "unit-picker-none";
        none.textContent = "Không tìm thấy đơn vị nào có mã hoặc tên này.";
        list.appendChild(none);
      }
      data.matches.forEach(function (match, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("strong");
        name.textContent = match.name;
        option.appendChild(name);
        option.appendChild(document.createTextNode(" · " + match.code));
        var where = document.createElement("small");
        where.textContent = match.path + (match.active ? "" : " (ngừng hoạt động)");
        option.appendChild(where);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(match); });
        list.appendChild(option);
      });
      if (data.more) {
        var more = document.createElement("li");
        more.className = "unit-picker-none";
        more.textContent = "Còn nữa: gõ thêm để thu hẹp.";
        list.appendChild(more);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      list.matches = data.matches;
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      asked = q;
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && asked === input.value.trim()) { show(data); } })
        .catch(function () { /* the "Tìm đơn vị" button still works */ });
    }

    input.addEventListener("input", function () {
      picked.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
      else if (event.key === "Enter" && active >= 0 && list.matches) { event.preventDefault(); choose(list.matches[active]); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-unit-picker]").forEach(setup);
}());
